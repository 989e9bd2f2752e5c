"""GA4 ingestion: our loading path against dlt's default, side by side on the same export files.

Ours: each export file parsed by pyarrow against the export schema, keyed in DuckDB, yielded as
an Arrow table, written by dlt as parquet load files, merged on event_key. Baseline: the same
rows yielded as Python dicts and loaded with dlt's default `insert_values` file format, the path
a first GA4 connector usually takes. Both end in the same raw table (checked).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import dlt
import duckdb

from ingestion.pipelines import LOADER_FILE_FORMAT, source_function
from ingestion.sources.ga4.helpers import parse_export_json
from microfunnel.settings import INGESTION_DIR
from sandbox.ga4_export import write_ga4_export
from sandbox.simulate import WorldSpec, simulate


def _pipeline(root: Path, name: str) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(root / f"{name}.duckdb")),
        dataset_name="raw_ga4",
        pipelines_dir=str(root / "pipelines"),
    )


def load_ours(root: Path, folder: Path) -> float:
    started = time.perf_counter()
    _pipeline(root, "ours").run(
        source_function("ga4")(bucket_url=str(folder)), loader_file_format=LOADER_FILE_FORMAT
    )
    return time.perf_counter() - started


def load_baseline(root: Path, folder: Path) -> float:
    """The same files, parsed the same way, but yielded as dicts into dlt's default loader."""

    @dlt.resource(name="events", write_disposition="merge", primary_key="event_key", max_table_nesting=0)
    def events():
        source = source_function("ga4")(bucket_url=str(folder))
        for table in source.resources["events"]:
            yield table.to_pylist()

    started = time.perf_counter()
    _pipeline(root, "baseline").run(events())
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ga4_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=28)
    args = parser.parse_args(argv)
    os.environ.setdefault("DLT_PROJECT_DIR", str(INGESTION_DIR))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        world = simulate(WorldSpec(persons=args.persons, days=args.days))
        write_ga4_export(world, root / "ga4")
        lines = sum(len(p.read_bytes().splitlines()) for p in (root / "ga4").iterdir())
        parse_started = time.perf_counter()
        for path in sorted((root / "ga4").iterdir()):
            with path.open("rb") as stream:
                parse_export_json(stream, path.name)
        parse_seconds = time.perf_counter() - parse_started
        ours = load_ours(root, root / "ga4")
        baseline = load_baseline(root, root / "ga4")
        counts = {}
        for name in ("ours", "baseline"):
            with duckdb.connect(str(root / f"{name}.duckdb"), read_only=True) as connection:
                counts[name] = connection.execute(
                    "select count(*), sum(event_timestamp) from raw_ga4.events"
                ).fetchone()
    rows = counts["ours"][0]
    print(f"{args.persons} persons x {args.days} days: {lines:,} export lines -> {rows:,} events")
    parse_rate = lines / parse_seconds
    print(f"  parsing alone (pyarrow, export schema): {parse_seconds:6.1f} s  {parse_rate:>10,.0f} lines/s")
    print(f"  ours (arrow + parquet, merge):          {ours:6.1f} s  {rows / ours:>10,.0f} rows/s")
    print(f"  baseline (dicts + insert_values):       {baseline:6.1f} s  {rows / baseline:>10,.0f} rows/s")
    print(f"  ratio baseline / ours: {baseline / ours:.1f}x")
    if counts["ours"] != counts["baseline"]:
        print(f"  MISMATCH: ours {counts['ours']} vs baseline {counts['baseline']}")
        return 1
    print("  same rows in both raw tables: yes")
    return 0
