"""A 5-step ordered funnel over >= 10 million events: our dbt funnel engine against ClickHouse's
windowFunnel (in chDB) and a plain pandas implementation, side by side in one process, on the
same events, with the per-step person counts checked equal.

Where the definitions agree: an ordered funnel without exclusions, each event matching one step,
the window measured from the entry and inclusive. windowFunnel runs with 'strict_once' (by default
one row may fill several conditions; PostHog and we never let one event fill two steps). Its ties
are ordered by condition index, ours by step index: the same. It keeps the latest step-1 event as
the chain start, as we do, so the furthest step per person agrees. What it does not compute, and
we do: which journey counts and its timestamps, strict runs that restart (its strict_order stops
for good), exclusions, any-order funnels, the entry session for breakdowns.

Also times an incremental run (only persons with events on the last day) against the full run.
"In models" is the sum of dbt's per-model execution times (the wall time adds dbt's start-up and
project parse); the slowest models are listed, to show where the engine's time goes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from tests.support.dbt import run_dbt

STEPS = ["session_start", "view_item", "add_to_cart", "begin_checkout", "add_payment_info"]
STEP_SHARES = [0.20, 0.15, 0.12, 0.10, 0.08]  # the rest are other events
DAYS = 30
WINDOW_SECONDS = 86_400
DAY_US = 86_400 * 1_000_000


def build_warehouse(path: Path, events: int, persons: int, seed: int) -> None:
    """The relations the funnel engine reads, with `events` synthetic GA4-like events."""
    con = duckdb.connect(str(path))
    for schema in ("staging", "intermediate", "marts"):
        con.execute(f"create schema {schema}")
    cuts = np.cumsum(STEP_SHARES).tolist()
    names = " ".join(f"when r < {cut} then '{name}'" for cut, name in zip(cuts, STEPS, strict=True))
    con.execute(f"select setseed({seed / 1000})")
    # Each person is active over ~2 days somewhere in a 30-day range; second-resolution clocks
    # give some same-timestamp events, as GA4 batches do.
    con.execute(f"""
        create table intermediate.int_person_events as
        with raw as (
            select range as i, range % {persons} as person_n, random() as r, random() as u
            from range({events})
        ),
        timed as (
            select
                *,
                ((hash(person_n) % {(DAYS - 2) * 86_400})::bigint + (u * 2 * 86_400)::bigint) * 1000000 as ts
            from raw
        )
        select
            'p' || person_n as person_id,
            'e' || i as event_id,
            make_timestamp(ts) as event_at,
            ts as event_ts_us,
            row_number() over (partition by person_n order by ts, i) as event_seq,
            case {names} else 'page_view' end as event_name,
            'p' || person_n || '-' || (ts // {DAY_US}) as session_id,
            false as is_macro
        from timed
    """)
    con.execute(
        "create table staging.stg_config__funnels as select 'bench' as funnel_name, 'ordered' as order_mode, "
        f"{WINDOW_SECONDS}::bigint as window_seconds, {len(STEPS)}::bigint as step_count"
    )
    con.execute(
        "create table staging.stg_config__funnel_steps "
        "(funnel_name varchar, step_index bigint, step_name varchar)"
    )
    con.executemany(
        "insert into staging.stg_config__funnel_steps values ('bench', ?, ?)",
        [(i, s) for i, s in enumerate(STEPS, start=1)],
    )
    con.execute("create table staging.stg_config__funnel_exclusions (funnel_name varchar, step_name varchar)")
    con.execute(
        "create table staging.stg_config__micro_conversions "
        "(conversion_name varchar, kind varchar, event_name varchar)"
    )
    con.execute(
        "create table intermediate.int_micro_conversions_stitched (micro_conversion_id varchar, "
        "person_id varchar, session_id varchar, conversion_name varchar, kind varchar, "
        "occurred_at timestamp, event_id varchar)"
    )
    con.close()


def run_engine(path: Path, variables: dict | None = None) -> tuple[float, float]:
    """dbt run of the funnel models up to fct_funnel_steps: (wall seconds, seconds inside the models)."""
    started = time.perf_counter()
    run = run_dbt(
        "run",
        "--select",
        "path:models/intermediate/funnels",
        "fct_funnel_steps",
        "--quiet",
        warehouse=path,
        variables=variables,
    )
    wall = time.perf_counter() - started
    return wall, sum(r["execution_time"] for r in run.results())


def slowest_models(path: Path, n: int = 3) -> str:
    """The `n` slowest models of the last run_engine at `path`, as "name 1.2 s, ..."."""
    results = json.loads((path.parent / "dbt_target" / "run_results.json").read_text())["results"]
    ranked = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:n]
    return ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f} s" for r in ranked)


def engine_counts(path: Path) -> list[int]:
    con = duckdb.connect(str(path), read_only=True)
    rows = dict(con.execute("select step_index, count(*) from marts.fct_funnel_steps group by 1").fetchall())
    con.close()
    return [rows.get(k, 0) for k in range(1, len(STEPS) + 1)]


def chdb_counts(parquet: Path) -> tuple[list[int], float, float]:
    """windowFunnel per person, then persons at level >= k. (counts, load seconds, query seconds)."""
    from chdb import session as chs

    sess = chs.Session()
    started = time.perf_counter()
    sess.query("create database if not exists b")
    sess.query(
        "create table b.events engine = MergeTree order by (person_id, event_ts_us) as "
        f"select person_id, event_ts_us, event_name from file('{parquet}', Parquet)"
    )
    loaded = time.perf_counter() - started
    conditions = ", ".join(f"event_name = '{s}'" for s in STEPS)
    started = time.perf_counter()
    out = sess.query(
        f"select level, count() from (select windowFunnel({WINDOW_SECONDS * 1_000_000}, 'strict_once')"
        f"(toUInt64(event_ts_us), {conditions}) as level from b.events group by person_id) group by level",
        "CSV",
    )
    queried = time.perf_counter() - started
    sess.close()
    by_level = {int(a): int(b) for a, b in (line.split(",") for line in str(out).strip().splitlines())}
    return (
        [sum(n for level, n in by_level.items() if level >= k) for k in range(1, len(STEPS) + 1)],
        loaded,
        queried,
    )


def pandas_counts(events: pd.DataFrame) -> list[int]:
    """Plain pandas: from every step-1 event, the first later event of each next step (merge_asof),
    within the window of the entry; a person's furthest step is the best over their entries."""
    df = events[events["step"] > 0].sort_values(["person", "ts", "step", "seq"], kind="stable")
    df["pos"] = np.arange(len(df), dtype=np.int64)  # global, so merge_asof can search it per person
    chain = df[df["step"] == 1][["person", "pos", "ts"]].rename(columns={"ts": "entry_ts"})
    chain["level"] = 1
    for step in range(2, len(STEPS) + 1):
        targets = df[df["step"] == step][["person", "pos", "ts"]].rename(columns={"pos": "next_pos"})
        targets["pos"] = targets["next_pos"]
        alive = chain[chain["level"] == step - 1].sort_values("pos")
        found = pd.merge_asof(
            alive,
            targets.sort_values("pos"),
            on="pos",
            by="person",
            direction="forward",
            allow_exact_matches=False,
        )
        ok = found["next_pos"].notna() & (found["ts"] - found["entry_ts"] <= WINDOW_SECONDS * 1_000_000)
        advanced = found.loc[ok, ["person", "next_pos", "entry_ts"]].rename(columns={"next_pos": "pos"})
        advanced["pos"] = advanced["pos"].astype(np.int64)
        advanced["level"] = step
        chain = pd.concat([chain[chain["level"] != step - 1], found.loc[~ok, chain.columns], advanced])
    furthest = chain.groupby("person")["level"].max()
    return [int((furthest >= k).sum()) for k in range(1, len(STEPS) + 1)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench funnels", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_funnels_") as tmp:
        path = Path(tmp) / "warehouse.duckdb"
        started = time.perf_counter()
        build_warehouse(path, args.events, args.persons, args.seed)
        print(
            f"generated {args.events:,} events of {args.persons:,} persons, 5 steps, "
            f"window {WINDOW_SECONDS} s ({time.perf_counter() - started:.1f} s)",
            flush=True,
        )

        wall, in_models = run_engine(path)
        ours = engine_counts(path)
        print(
            f"microfunnel (dbt, DuckDB)  full run     {wall:7.1f} s wall, {in_models:7.1f} s in models",
            flush=True,
        )
        print(f"  slowest: {slowest_models(path)}", flush=True)

        con = duckdb.connect(str(path))
        parquet = Path(tmp) / "events.parquet"
        con.execute(
            f"copy (select person_id, event_ts_us, event_name from intermediate.int_person_events) "
            f"to '{parquet}' (format parquet)"
        )
        step_of = (
            "case event_name "
            + " ".join(f"when '{s}' then {i}" for i, s in enumerate(STEPS, 1))
            + " else 0 end"
        )
        events = con.execute(
            f"select hash(person_id) as person, event_ts_us as ts, event_seq as seq, {step_of} as step "
            "from intermediate.int_person_events"
        ).df()
        last_day = con.execute("select max(event_at)::date from intermediate.int_person_events").fetchone()[0]
        con.close()

        counts_ch, ch_load, ch_query = chdb_counts(parquet)
        print(f"chDB windowFunnel          load {ch_load:5.1f} s  query {ch_query:7.1f} s", flush=True)

        started = time.perf_counter()
        counts_pd = pandas_counts(events)
        pd_time = time.perf_counter() - started
        print(f"pandas (merge_asof chain)                    {pd_time:7.1f} s", flush=True)

        wall_inc, in_models_inc = run_engine(path, {"microfunnel__funnel_recompute_since": str(last_day)})
        after_incremental = engine_counts(path)
        con = duckdb.connect(str(path), read_only=True)
        recomputed = con.execute("select count(*) from intermediate.int_funnel_recompute_persons").fetchone()[
            0
        ]
        con.close()
        print(
            f"microfunnel incremental    last day      {wall_inc:7.1f} s wall, "
            f"{in_models_inc:7.1f} s in models ({recomputed:,} of {args.persons:,} persons recomputed)",
            flush=True,
        )

    print("\nper-step persons   " + "  ".join(f"{s:>16}" for s in STEPS))
    for label, counts in (("microfunnel", ours), ("chDB windowFunnel", counts_ch), ("pandas", counts_pd)):
        print(f"{label:<18} " + "  ".join(f"{c:>16,}" for c in counts))
    print(
        f"\nratios (time / microfunnel in-model time {in_models:.1f} s): "
        f"chDB query {ch_query / in_models:.2f}, chDB load+query {(ch_load + ch_query) / in_models:.2f}, "
        f"pandas {pd_time / in_models:.2f}; "
        f"incremental / full {in_models_inc / in_models:.2f}"
    )
    equal = ours == counts_ch == counts_pd and after_incremental == ours
    print("per-step counts equal:", equal)
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
