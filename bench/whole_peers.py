"""The whole-pipeline benchmark's peers: other ways to do one stage's work, run in this process on
the same export files or on the warehouse the run just built, each answer checked against ours.

- ingest floor: DuckDB `read_json` / `read_parquet` of the files into a table (no keys, no dedup,
  no merge: the least any loader must do);
- dlt's default path: the same rows as dicts into `insert_values` (bench/ga4_ingest.py), on the
  first days' files when all of them would take longer than DLT_BUDGET_S, its time projected;
- funnel: ClickHouse `windowFunnel` in chDB and a pandas chain (bench/funnel_peers.py), on this run's
  person timeline, for the catalog's first ordered funnel whose steps are events;
- stitching: scipy `connected_components` on this run's kept identity edges.

Our time for a ratio is the whole stage (every funnel of the catalog and its other marts for the
funnel peers; every identity model for scipy); the notes say what each peer leaves out.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np

from bench.identity import PeakRss, same_partition
from bench.whole import FUNNELS, INGEST, STITCHING, PeerResult, RunRecord, World, export_day_of
from ingestion.sources.ga4.settings import EVENT_KEY_COLUMNS

DLT_BUDGET_S = 90.0  # per file format: dlt's default path on a sample of files beyond this


# ---------------------------------------------------------------- ingest


def ingest_peers(
    root: Path, world: World, ours: RunRecord, duckdb_settings: Mapping[str, str]
) -> list[PeerResult]:
    our_seconds = ours.stage_seconds().get(INGEST, 0.0)
    with duckdb.connect(str(ours.warehouse), read_only=True) as connection:
        our_rows, our_sum = connection.execute(
            "select count(*), sum(event_timestamp) from raw_ga4.events"
        ).fetchone()
    results = [duckdb_floor(root, world, our_seconds, (our_rows, our_sum), duckdb_settings)]
    results.append(dlt_default_path(root, world, ours, our_seconds))
    return results


def duckdb_floor(
    root: Path, world: World, our_seconds: float, ours: tuple[int, int], duckdb_settings: Mapping[str, str]
) -> PeerResult:
    """The files into one table of a fresh DuckDB file; its distinct events (by our event key's
    columns) against raw_ga4.events, which drops exact duplicate deliveries."""
    fmt = world.file_format
    path = root / f"peer-floor-{fmt}.duckdb"
    path.unlink(missing_ok=True)
    pattern = f"{world.folder}/events_*"
    reader = (
        f"read_parquet('{pattern}', union_by_name = true)"
        if fmt == "parquet"
        else f"read_json('{pattern}', format = 'newline_delimited', union_by_name = true)"
    )
    label = f"DuckDB {'read_parquet' if fmt == 'parquet' else 'read_json'} (floor)"
    with duckdb.connect(str(path)) as connection:
        for name, value in duckdb_settings.items():
            connection.execute(f"set {name} = '{value}'")
        print(f"  {label} of {world.events:,} events ...", flush=True)
        with PeakRss() as memory:
            started = time.perf_counter()
            connection.execute(f"create table events as select * from {reader}")
            seconds = time.perf_counter() - started
        columns = {row[0] for row in connection.execute("describe events").fetchall()}
        keys = ", ".join(column for column in EVENT_KEY_COLUMNS if column in columns)
        rows, distinct, total = connection.execute(
            f"select (select count(*) from events), count(*), sum(cast(event_timestamp as bigint)) "
            f"from (select distinct {keys} from events)"
        ).fetchone()
    path.unlink(missing_ok=True)
    equal = (distinct, total) == ours
    note = (
        f"{rows:,} rows read, {distinct:,} distinct events = raw_ga4.events {ours[0]:,} "
        f"(ours drops {rows - distinct:,} exact duplicate deliveries); sum(event_timestamp) equal"
        if equal
        else f"{distinct:,} distinct events, sum {total} vs raw_ga4.events {ours[0]:,}, sum {ours[1]}"
    )
    return PeerResult(
        INGEST,
        label,
        seconds,
        seconds / our_seconds if our_seconds else None,
        equal,
        note,
        {
            "file_format": fmt,
            "rows": rows,
            "peak_rss_mb": round(memory.peak),
            "rss_growth_mb": round(memory.peak - memory.start),
        },
    )


def dlt_default_path(root: Path, world: World, ours: RunRecord, our_seconds: float) -> PeerResult:
    """bench.ga4_ingest.load_baseline on the first day's file, then on as many first days as fit in
    DLT_BUDGET_S at that rate (all of them when they fit); the time for all files is projected."""
    from bench.ga4_ingest import load_baseline
    from microfunnel.settings import INGESTION_DIR

    os.environ.setdefault("DLT_PROJECT_DIR", str(INGESTION_DIR))
    files = sorted(world.folder.iterdir())
    label = "dlt default (dicts + insert_values)"

    def load(count: int) -> tuple[float, Path, list[Path]]:
        work = root / f"peer-dlt-{world.file_format}-{count}"
        shutil.rmtree(work, ignore_errors=True)
        (work / "files").mkdir(parents=True)
        chosen = files[:count]
        for path in chosen:
            os.link(path, work / "files" / path.name)
        print(f"  {label}: {count} of {len(files)} files ...", flush=True)
        return load_baseline(work, work / "files"), work, chosen

    with quiet_dlt():
        seconds, work, chosen = load(1)
        count = min(len(files), max(1, int(DLT_BUDGET_S / max(seconds, 1e-3))))
        if count > 1:
            shutil.rmtree(work, ignore_errors=True)
            seconds, work, chosen = load(count)
    days = sorted({export_day_of(path) for path in chosen})
    with duckdb.connect(str(work / "baseline.duckdb"), read_only=True) as connection:
        theirs = connection.execute("select count(*), sum(event_timestamp) from raw_ga4.events").fetchone()
    with duckdb.connect(str(ours.warehouse), read_only=True) as connection:
        mine = connection.execute(
            "select count(*), sum(event_timestamp) from raw_ga4.events where _export_day between ? and ?",
            [days[0], days[-1]],
        ).fetchone()
    shutil.rmtree(work, ignore_errors=True)
    sample = len(chosen) < len(files)
    projected = seconds * world.events / max(theirs[0], 1) if sample else seconds
    note = (
        f"a sample: {len(chosen)} of {len(files)} files ({theirs[0]:,} rows in {seconds:.1f} s, "
        f"{theirs[0] / seconds:,.0f} rows/s); peer s and ratio projected to all {world.events:,} events"
        if sample
        else ""
    )
    if theirs != mine:
        note += f"; rows/sum {theirs} vs ours on those days {mine}"
    return PeerResult(
        INGEST,
        label,
        projected,
        projected / our_seconds if our_seconds else None,
        theirs == mine,
        note.lstrip("; "),
        {"file_format": world.file_format, "files": len(chosen), "rows": theirs[0], "measured_s": seconds},
    )


@contextmanager
def quiet_dlt() -> Iterator[None]:
    """dlt's log level ERROR for the block (dicts carry no types, so dlt warns on every load about
    the columns that stayed null); restored after, so the runs started later inherit nothing."""
    saved = os.environ.get("RUNTIME__LOG_LEVEL")
    os.environ["RUNTIME__LOG_LEVEL"] = "ERROR"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("RUNTIME__LOG_LEVEL", None)
        else:
            os.environ["RUNTIME__LOG_LEVEL"] = saved


# ---------------------------------------------------------------- funnels


def funnel_steps(catalog) -> tuple[str, list[str], int] | None:
    """(name, the GA4 event of each step, window seconds) of the catalog's first ordered funnel
    without exclusions or filters whose steps are events, action micro-conversions without
    parameters, or `purchase`; None when there is none."""
    from microfunnel.conversions import parse_window

    actions = {
        m.name: m.event_name
        for m in catalog.micro_conversions
        if m.kind == "action" and not m.params and not m.where
    }
    others = {m.name for m in catalog.micro_conversions} - set(actions)
    for funnel in catalog.funnels:
        if funnel.order != "ordered" or funnel.exclude or any(step.where for step in funnel.steps):
            continue
        if any(step.event in others for step in funnel.steps):
            continue
        return (
            funnel.name,
            [actions.get(step.event, step.event) for step in funnel.steps],
            parse_window(funnel.window),
        )
    return None


TIMELINE = """
select
    person_id,
    event_ts_us,
    event_seq,
    case
        when is_macro then 'purchase'
        when event_name = 'purchase' then 'purchase (a re-sent report, not the macro)'
        else event_name
    end as event_name
from intermediate.int_person_events
"""


def funnel_peers(root: Path, warehouse: Path, our_seconds: float) -> list[PeerResult]:
    """chDB windowFunnel and pandas on this run's person timeline (the step `purchase` is the macro:
    GA4's first report of each transaction), their per-step persons against fct_funnel_steps."""
    from bench.funnel_peers import chdb_counts, pandas_counts
    from microfunnel.conversions import load_catalog
    from microfunnel.settings import load_settings

    catalog = load_catalog(load_settings({}).conversions_config)
    found = funnel_steps(catalog)
    if found is None:
        return [
            PeerResult(
                FUNNELS, "chDB windowFunnel", None, None, None, "no ordered event funnel in the catalog"
            )
        ]
    name, steps, window = found
    parquet = root / "peer-funnel-events.parquet"
    step_of = (
        "case event_name " + " ".join(f"when '{s}' then {i}" for i, s in enumerate(steps, 1)) + " else 0 end"
    )
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        connection.execute(f"copy ({TIMELINE}) to '{parquet}' (format parquet)")
        events = connection.execute(
            f"select hash(person_id) as person, event_ts_us as ts, event_seq as seq, {step_of} as step "
            f"from ({TIMELINE})"
        ).df()
        ours_by_step = dict(
            connection.execute(
                "select step_index, count(*) from marts.fct_funnel_steps where funnel_name = ? group by 1",
                [name],
            ).fetchall()
        )
        (funnel_count,) = connection.execute(
            "select count(distinct funnel_name) from intermediate.int_funnel_matchers_resolved"
        ).fetchone()
    ours = [ours_by_step.get(k, 0) for k in range(1, len(steps) + 1)]
    print(
        f"  funnel {name!r} ({' > '.join(steps)}, window {window} s) over {len(events):,} events ...",
        flush=True,
    )
    with PeakRss() as chdb_memory:
        by_chdb, load_s, query_s = chdb_counts(parquet, steps, window)
    with PeakRss() as pandas_memory:
        started = time.perf_counter()
        by_pandas = pandas_counts(events, steps, window)
        pandas_s = time.perf_counter() - started
    parquet.unlink(missing_ok=True)
    scope = (
        f"ours is the whole stage: {funnel_count} funnels and their marts (breakdowns, time to convert, "
        f"paths, impact); the peer counts persons per step of {name!r} only"
    )
    results = []
    for label, counts, seconds, memory, extra in (
        (
            "chDB windowFunnel",
            by_chdb,
            load_s + query_s,
            chdb_memory,
            f" (load {load_s:.1f} s + query {query_s:.1f} s)",
        ),
        ("pandas (merge_asof chain)", by_pandas, pandas_s, pandas_memory, ""),
    ):
        equal = counts == ours
        verdict = "per-step persons equal" if equal else f"per-step persons {counts} vs ours {ours}"
        results.append(
            PeerResult(
                FUNNELS,
                label,
                seconds,
                seconds / our_seconds if our_seconds else None,
                equal,
                f"{verdict}{extra}; {scope}",
                {
                    "funnel": name,
                    "steps": steps,
                    "counts": counts,
                    "ours": ours,
                    "peak_rss_mb": round(memory.peak),
                },
            )
        )
    return results


# ---------------------------------------------------------------- stitching


def stitching_peers(warehouse: Path, our_seconds: float) -> list[PeerResult]:
    """scipy connected_components on the kept edges (after the guardrails), its partition against
    our components and against the persons of int_identifiers_stitched."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        edges = connection.execute(
            "select node_id_a, node_id_b from intermediate.int_identity_edges_kept"
        ).fetchnumpy()
        nodes = connection.execute(
            """
            select
                nodes.node_id,
                coalesce(components.component_id, -1 - nodes.node_id) as component,
                case
                    when stitched.person_id is null then -1 - nodes.node_id
                    else dense_rank() over (order by stitched.person_id)
                end as person
            from intermediate.int_identity_nodes as nodes
            left join intermediate.int_identity_components as components using (node_id)
            left join intermediate.int_identifiers_stitched as stitched
                on stitched.identifier_type = nodes.identifier_type
                and stitched.identifier_value = nodes.identifier_value
            order by nodes.node_id
            """
        ).fetchnumpy()
    node_ids = nodes["node_id"].astype(np.int64)
    size = int(node_ids.max()) + 1 if len(node_ids) else 0
    left, right = edges["node_id_a"].astype(np.int64), edges["node_id_b"].astype(np.int64)
    print(
        f"  scipy connected_components on {len(left):,} kept edges, {len(node_ids):,} identifiers ...",
        flush=True,
    )
    with PeakRss() as memory:
        started = time.perf_counter()
        graph = sp.coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(size, size)).tocsr()
        labels = connected_components(graph, directed=False)[1]
        seconds = time.perf_counter() - started
    theirs = labels[node_ids]
    # (an identifier without a label stands alone: the SQL gives it -1 - node_id)
    components, persons = nodes["component"].astype(np.int64), nodes["person"].astype(np.int64)
    equal_components, equal_persons = same_partition(theirs, components), same_partition(theirs, persons)
    verdicts = [("int_identity_components", equal_components), ("the stitched persons", equal_persons)]
    note = (
        f"{len(np.unique(theirs)):,} components; partition equal to "
        + ", to ".join(f"{what}: {'yes' if same else 'NO'}" for what, same in verdicts)
        + "; "
        "ours is the whole stage (edges from events, numbering, guardrails, person ids, marts), "
        "the peer the components of the given edges only"
    )
    return [
        PeerResult(
            STITCHING,
            "scipy connected_components",
            seconds,
            seconds / our_seconds if our_seconds else None,
            equal_components and equal_persons,
            note,
            {"edges": len(left), "identifiers": len(node_ids), "peak_rss_mb": round(memory.peak)},
        )
    ]
