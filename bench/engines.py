"""DuckDB against Spark (local mode) on the same sandbox world: `microfunnel run` with
MICROFUNNEL_ENGINE=duckdb and =spark, side by side, each step timed, the serving files compared.

python -m bench engines                         # the demo world (20,000 persons, 28 days)
python -m bench engines --persons 300 --days 14  # the world of the Spark test in `make test`

Prints per engine: ingest (the dlt steps), dbt build (both dbt steps), publish and the whole run,
with Spark's time as a multiple of DuckDB's; then whether the marts are identical
(microfunnel.serving.serving_differences). Writes bench/results/engines-<persons>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from commands.runner import sandbox_apis, sandbox_clock
from ingestion.registry import selectable_sources
from microfunnel.serving import serving_differences
from sandbox.cli import SANDBOX_PII_KEY
from sandbox.simulate import WorldSpec
from sandbox.world_files import write_world_files

RESULTS = Path(__file__).resolve().parent / "results"
STEP_DONE = re.compile(r"^\s*(\S+) done in ([\d.]+) s", re.MULTILINE)
ENGINES = ("duckdb", "spark")


def step_seconds(output: str) -> dict[str, float]:
    """{step: seconds} from `microfunnel run`'s "<step> done in X s" lines."""
    return {step: float(seconds) for step, seconds in STEP_DONE.findall(output)}


def stages(steps: dict[str, float], wall: float) -> dict[str, float]:
    return {
        "ingest": sum(s for step, s in steps.items() if step.startswith("dlt_")),
        "dbt build": sum(s for step, s in steps.items() if step.startswith("dbt_")),
        "publish": sum(s for step, s in steps.items() if "serving" in step),
        "whole run": wall,
    }


def run_engine(engine: str, root: Path, world_root: Path, source_env: dict[str, str], spec) -> dict:
    env = {
        **os.environ,
        **source_env,
        "WAREHOUSE_PATH": str(root / engine / "warehouse.duckdb"),
        "DAGSTER_HOME": str(root / engine / "dagster_home"),
        "SANDBOX_DIR": str(world_root),
        "SOURCES__GA4__BUCKET_URL": str(world_root / "ga4"),
        "MICROFUNNEL_SOURCES": ",".join(selectable_sources()),
        "MICROFUNNEL_FRESHNESS_AS_OF": sandbox_clock(spec),
        "MICROFUNNEL_ENGINE": engine,
    }
    (root / engine / "dagster_home").mkdir(parents=True, exist_ok=True)
    print(f"{engine}: microfunnel run ...", flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("microfunnel")), "run"], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{engine} run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return {
        "stages": stages(step_seconds(done.stdout), wall),
        "serving": str(root / engine / "serving.duckdb"),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench engines", description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ.setdefault("PII_HASH_KEY", SANDBOX_PII_KEY)  # the sandbox's emails, hashed as the demo does
    spec = WorldSpec(seed=args.seed, persons=args.persons, days=args.days, start_date=date(2026, 10, 1))
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as folder:
        root = Path(folder)
        world = write_world_files(spec, root / "sandbox")
        with sandbox_apis(world) as source_env:
            results = {
                engine: run_engine(engine, root, root / "sandbox", source_env, spec) for engine in ENGINES
            }
        differences = serving_differences(
            Path(results["duckdb"]["serving"]), Path(results["spark"]["serving"])
        )
    print(f"\nworld: {args.persons} persons, {args.days} days (seed {args.seed})")
    print(f"{'stage':<12}{'duckdb s':>10}{'spark s':>10}{'spark/duckdb':>14}")
    for stage in results["duckdb"]["stages"]:
        duck, spark = results["duckdb"]["stages"][stage], results["spark"]["stages"][stage]
        print(f"{stage:<12}{duck:>10.1f}{spark:>10.1f}{(spark / duck if duck else float('nan')):>13.1f}x")
    print("marts identical" if not differences else "MARTS DIFFER:\n  " + "\n  ".join(differences))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"engines-{args.persons}.json"
    out.write_text(
        json.dumps(
            {
                "persons": args.persons,
                "days": args.days,
                "seed": args.seed,
                "stages": {e: r["stages"] for e, r in results.items()},
                "identical": not differences,
                "differences": differences,
            },
            indent=2,
        )
    )
    print(f"written {out}")
    return 1 if differences else 0
