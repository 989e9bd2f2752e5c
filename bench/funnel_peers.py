"""Funnel peers for the benchmarks: ClickHouse's windowFunnel (in chDB) and a plain pandas chain,
each giving the persons reaching each step of one ordered funnel, to set beside our funnel engine.

Where the definitions agree: an ordered funnel without exclusions, each event matching one step,
the window measured from the entry and inclusive. windowFunnel runs with 'strict_once' (by default
one row may fill several conditions; PostHog and we never let one event fill two steps). Its ties
are ordered by condition index, ours by step index: the same. It keeps the latest step-1 event as
the chain start, as we do, so the furthest step per person agrees. What it does not compute, and
we do: which journey counts and its timestamps, strict runs that restart (its strict_order stops
for good), exclusions, any-order funnels, the entry session for breakdowns.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd


def chdb_counts(parquet: Path, steps: list[str], window_seconds: int) -> tuple[list[int], float, float]:
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
    conditions = ", ".join(f"event_name = '{s}'" for s in steps)
    started = time.perf_counter()
    out = sess.query(
        f"select level, count() from (select windowFunnel({window_seconds * 1_000_000}, 'strict_once')"
        f"(toUInt64(event_ts_us), {conditions}) as level from b.events group by person_id) group by level",
        "CSV",
    )
    queried = time.perf_counter() - started
    sess.close()
    by_level = {int(a): int(b) for a, b in (line.split(",") for line in str(out).strip().splitlines())}
    return (
        [sum(n for level, n in by_level.items() if level >= k) for k in range(1, len(steps) + 1)],
        loaded,
        queried,
    )


def pandas_counts(events: pd.DataFrame, steps: list[str], window_seconds: int) -> list[int]:
    """Plain pandas: from every step-1 event, the first later event of each next step (merge_asof),
    within the window of the entry; a person's furthest step is the best over their entries."""
    df = events[events["step"] > 0].sort_values(["person", "ts", "step", "seq"], kind="stable")
    df["pos"] = np.arange(len(df), dtype=np.int64)  # global, so merge_asof can search it per person
    chain = df[df["step"] == 1][["person", "pos", "ts"]].rename(columns={"ts": "entry_ts"})
    chain["level"] = 1
    for step in range(2, len(steps) + 1):
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
        ok = found["next_pos"].notna() & (found["ts"] - found["entry_ts"] <= window_seconds * 1_000_000)
        advanced = found.loc[ok, ["person", "next_pos", "entry_ts"]].rename(columns={"next_pos": "pos"})
        advanced["pos"] = advanced["pos"].astype(np.int64)
        advanced["level"] = step
        chain = pd.concat([chain[chain["level"] != step - 1], found.loc[~ok, chain.columns], advanced])
    furthest = chain.groupby("person")["level"].max()
    return [int((furthest >= k).sum()) for k in range(1, len(steps) + 1)]
