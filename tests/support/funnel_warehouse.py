"""Build a throwaway warehouse holding only what the funnel engine reads, and run the engine on it.

The funnel models read five relations (DESIGN.md section 7 / notes on contracts):
int_person_events, int_micro_conversions_stitched and the staged config tables (marts that
read fct_micro_conversions get a view of the same rows). Tests write those by
hand into a temp DuckDB file, then run only the funnel models with dbt against it, so a test
exercises the real SQL without ingesting anything. `random_world` makes hundreds of small
random persons that put every mode's corner cases through the engine.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tests.support.dbt import run_dbt

FUNNEL_MODELS = "path:models/intermediate/funnels path:models/marts/funnels"


@dataclass(frozen=True)
class Funnel:
    name: str
    steps: Sequence[str]
    window_seconds: int
    order_mode: str = "ordered"
    exclude: Sequence[str] = ()


@dataclass(frozen=True)
class Event:
    person_id: str
    event_id: str
    event_ts_us: int
    event_seq: int
    event_name: str
    session_id: str | None = None
    is_macro: bool = False


@dataclass(frozen=True)
class MicroConversion:
    person_id: str
    conversion_name: str
    event_id: str
    session_id: str | None = None
    kind: str = "action"


def write_inputs(
    path: Path,
    funnels: Iterable[Funnel],
    events: Iterable[Event],
    micro_conversions: Iterable[MicroConversion] = (),
    catalog: Iterable[str] = (),
) -> None:
    """(Re)create the relations the funnel engine reads, in the schemas dbt resolves them to."""
    funnels = list(funnels)
    con = duckdb.connect(str(path))
    for schema in ("staging", "intermediate", "marts"):
        con.execute(f"create schema if not exists {schema}")
    con.execute(
        "create or replace table staging.stg_config__funnels "
        "(funnel_name varchar, order_mode varchar, window_seconds bigint, step_count bigint)"
    )
    con.executemany(
        "insert into staging.stg_config__funnels values (?, ?, ?, ?)",
        [(f.name, f.order_mode, f.window_seconds, len(f.steps)) for f in funnels],
    )
    con.execute(
        "create or replace table staging.stg_config__funnel_steps "
        "(funnel_name varchar, step_index bigint, step_name varchar)"
    )
    con.executemany(
        "insert into staging.stg_config__funnel_steps values (?, ?, ?)",
        [(f.name, i, s) for f in funnels for i, s in enumerate(f.steps, start=1)],
    )
    con.execute(
        "create or replace table staging.stg_config__funnel_exclusions "
        "(funnel_name varchar, step_name varchar)"
    )
    rows = [(f.name, s) for f in funnels for s in f.exclude]
    if rows:
        con.executemany("insert into staging.stg_config__funnel_exclusions values (?, ?)", rows)
    con.execute(
        "create or replace table staging.stg_config__micro_conversions "
        "(conversion_name varchar, kind varchar, event_name varchar)"
    )
    names = sorted(set(catalog))
    if names:
        con.executemany(
            "insert into staging.stg_config__micro_conversions values (?, 'action', null)",
            [(n,) for n in names],
        )
    con.execute(
        "create or replace table intermediate.int_person_events (person_id varchar, event_id varchar, "
        "event_at timestamp, event_ts_us bigint, event_seq bigint, event_name varchar, session_id varchar, "
        "is_macro boolean)"
    )
    con.executemany(
        "insert into intermediate.int_person_events values (?, ?, make_timestamp(?::bigint), ?, ?, ?, ?, ?)",
        [
            (
                e.person_id,
                e.event_id,
                e.event_ts_us,
                e.event_ts_us,
                e.event_seq,
                e.event_name,
                e.session_id,
                e.is_macro,
            )
            for e in events
        ],
    )
    con.execute(
        "create or replace table intermediate.int_micro_conversions_stitched (micro_conversion_id varchar, "
        "person_id varchar, session_id varchar, conversion_name varchar, kind varchar, "
        "occurred_at timestamp, event_id varchar)"
    )
    micro = list(micro_conversions)
    if micro:
        con.executemany(
            "insert into intermediate.int_micro_conversions_stitched values (?, ?, ?, ?, ?, null, ?)",
            [
                (
                    f"{m.conversion_name}|{m.event_id}",
                    m.person_id,
                    m.session_id,
                    m.conversion_name,
                    m.kind,
                    m.event_id,
                )
                for m in micro
            ],
        )
    con.execute(
        "create or replace view marts.fct_micro_conversions as "
        "select * from intermediate.int_micro_conversions_stitched"
    )
    con.close()


def run_funnel_models(
    path: Path, select: str = FUNNEL_MODELS, variables: Mapping[str, object] | None = None
) -> None:
    """`dbt run` the funnel models (only) against the warehouse file at `path`."""
    run_dbt("run", "--select", *select.split(), warehouse=path, variables=variables)


# -- random persons ----------------------------------------------------------------------------------
S = 1_000_000  # one second in microseconds
PERSONS = 400
MICRO = "mv"  # a micro-conversion anchored on random events, so one event can match two steps

FUNNELS = [
    Funnel("ord_abc_x", ["A", "B", "C"], 10, "ordered", ["X"]),
    Funnel("ord_ab_short", ["A", "B"], 3, "ordered"),
    Funnel("ord_repeat", ["A", "A", "B"], 10, "ordered", ["X"]),
    Funnel("ord_micro", ["A", MICRO, "C"], 8, "ordered", ["X"]),
    Funnel("strict_abc_x", ["A", "B", "C"], 10, "strict", ["X"]),
    Funnel("strict_ab", ["A", "B"], 6, "strict"),
    Funnel("strict_micro", ["A", MICRO], 10, "strict", ["X"]),
    Funnel("any_abc_x", ["A", "B", "C"], 10, "any", ["X"]),
    Funnel("any_ca", ["C", "A"], 3, "any"),
    Funnel("any_micro", ["A", MICRO, "B"], 6, "any", ["X"]),
]


def random_world(seed: int) -> tuple[list[Event], list[MicroConversion]]:
    """PERSONS random persons: same-timestamp events, repeated steps, exclusions, micro-conversions."""
    rng = random.Random(seed)
    events, micro = [], []
    for p in range(PERSONS):
        person = f"p{p:04d}"
        ts = sorted(rng.randint(0, 24) * S + rng.choice([0, 0, 0, 1, -1]) for _ in range(rng.randint(0, 14)))
        for seq, t in enumerate(ts, start=1):
            name = rng.choices(["A", "B", "C", "X", "N"], weights=[5, 4, 3, 1, 2])[0]
            event_id = f"{person}-{seq}"
            events.append(
                Event(person, event_id, max(t, 0), seq, name, session_id=f"{person}-s{t // (10 * S)}")
            )
            if rng.random() < 0.25:
                micro.append(MicroConversion(person, MICRO, event_id))
    return events, micro
