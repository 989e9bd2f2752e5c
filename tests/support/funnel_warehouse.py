"""Build a throwaway warehouse holding only what the funnel engine reads, and run the engine on it.

The funnel models read int_person_events, int_micro_conversions_stitched, the staged config
tables and (for `where` filters) stg_ga4__event_properties (models that read fct_micro_conversions
or int_conversions_stitched get a view of the same rows; the paths get the fingerprints and
sessions their upstream models would write). Tests write those by hand into a temp DuckDB file,
then run only the funnel models with dbt against it, so a test exercises the real SQL without
ingesting anything. `random_world` makes hundreds of small random persons that put every mode's
corner cases through the engine.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ingestion.sources.config import condition_row
from microfunnel.funnel_semantics import exclusion_steps_between
from microfunnel.property_filters import EventProperties, parse_where, where_holds
from tests.support.dbt import run_dbt
from tests.support.warehouse import insert_rows

FUNNEL_MODELS = "path:models/intermediate/funnels path:models/marts/funnels"


@dataclass(frozen=True)
class Step:
    """A step or exclusion with a `where` filter (conversions.yml syntax) and, for an exclusion,
    the steps it applies between (None: the whole funnel)."""

    event: str
    where: Mapping[str, Any] = field(default_factory=dict)
    between: tuple[int, int] | None = None

    @property
    def conditions(self):
        return parse_where(self.where)


def as_step(step: str | Step) -> Step:
    return step if isinstance(step, Step) else Step(step)


@dataclass(frozen=True)
class Funnel:
    name: str
    steps: Sequence[str | Step]
    window_seconds: int
    order_mode: str = "ordered"
    exclude: Sequence[str | Step] = ()

    @property
    def step_names(self) -> list[str]:
        return [as_step(s).event for s in self.steps]

    def bounds(self, exclusion: str | Step) -> tuple[int, int]:
        return as_step(exclusion).between or (1, len(self.steps))


@dataclass(frozen=True)
class Event:
    person_id: str
    event_id: str
    event_ts_us: int
    event_seq: int
    event_name: str
    session_id: str | None = None
    is_macro: bool = False
    params: Mapping[str, str | int] = field(default_factory=dict)
    items: tuple[Mapping[str, str | int], ...] = ()

    @property
    def properties(self) -> EventProperties:
        return EventProperties(params=self.params, items=self.items)


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
        "(funnel_name varchar, funnel_key bigint, order_mode varchar, window_seconds bigint, "
        "step_count bigint, breakdown_limit bigint)"
    )
    # funnel_key numbers the funnels by name, as stg_config__funnels does
    keys = {name: key for key, name in enumerate(sorted(f.name for f in funnels), start=1)}
    insert_rows(
        con,
        "staging.stg_config__funnels",
        [(f.name, keys[f.name], f.order_mode, f.window_seconds, len(f.steps)) for f in funnels],
        "c1, c2, c3, c4, c5, 10",
    )
    con.execute(
        "create or replace table staging.stg_config__funnel_steps "
        "(funnel_name varchar, step_index bigint, step_name varchar)"
    )
    insert_rows(
        con,
        "staging.stg_config__funnel_steps",
        [(f.name, i, s) for f in funnels for i, s in enumerate(f.step_names, start=1)],
    )
    con.execute(
        "create or replace table staging.stg_config__funnel_exclusions (funnel_name varchar, "
        "exclusion_index bigint, step_name varchar, from_step_index bigint, to_step_index bigint)"
    )
    rows = [
        (f.name, i, as_step(x).event, *f.bounds(x)) for f in funnels for i, x in enumerate(f.exclude, start=1)
    ]
    insert_rows(con, "staging.stg_config__funnel_exclusions", rows)
    write_filters(con, funnels)
    con.execute(
        "create or replace table staging.stg_config__micro_conversions "
        "(conversion_name varchar, kind varchar, event_name varchar)"
    )
    names = sorted(set(catalog))
    insert_rows(con, "staging.stg_config__micro_conversions", [(n,) for n in names], "c1, 'action', null")
    events = list(events)
    write_event_properties(con, events)
    con.execute(
        "create or replace table intermediate.int_person_events (person_id varchar, event_id varchar, "
        "event_at timestamp, event_ts_us bigint, event_seq bigint, event_name varchar, session_id varchar, "
        "is_macro boolean)"
    )
    insert_rows(
        con,
        "intermediate.int_person_events",
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
        "c1, c2, make_timestamp(c3::bigint), c4, c5, c6, c7, c8",
    )
    # what int_person_event_fingerprints would say of them: one fingerprint per person's rows
    con.execute(
        "create or replace table intermediate.int_person_event_fingerprints as "
        "select person_id, md5(count(*) || ':' || bit_xor(hash(event_id, event_ts_us, event_seq, event_name, "
        "session_id, is_macro))) as fingerprint from intermediate.int_person_events group by person_id"
    )
    # and what the session models would say of their sessions (the paths' fingerprints read them)
    con.execute(
        "create or replace table intermediate.int_sessions_stitched as select distinct session_id as "
        "session_key, person_id from intermediate.int_person_events where session_id is not null"
    )
    con.execute(
        "create or replace table intermediate.int_session_fingerprints as select session_key, "
        "md5(session_key) as fingerprint from intermediate.int_sessions_stitched"
    )
    con.execute(
        "create or replace table intermediate.int_micro_conversions_stitched (micro_conversion_id varchar, "
        "person_id varchar, session_id varchar, conversion_name varchar, kind varchar, "
        "occurred_at timestamp, occurred_ts_us bigint, event_id varchar)"
    )
    micro = list(micro_conversions)
    event_ts_us = {e.event_id: e.event_ts_us for e in events}  # a micro-conversion happens at its event
    insert_rows(
        con,
        "intermediate.int_micro_conversions_stitched",
        [
            (
                f"{m.conversion_name}|{m.event_id}",
                m.person_id,
                m.session_id,
                m.conversion_name,
                m.kind,
                event_ts_us.get(m.event_id),
                m.event_id,
            )
            for m in micro
        ],
        "c1, c2, c3, c4, c5, null, c6, c7",
    )
    for view in ("marts.fct_micro_conversions", "intermediate.int_conversions_stitched"):
        con.execute(
            f"create or replace view {view} as select * from intermediate.int_micro_conversions_stitched"
        )
    con.close()


def write_filters(con: duckdb.DuckDBPyConnection, funnels: Sequence[Funnel]) -> None:
    """staging.stg_config__property_filters for the funnels' `where` filters, as the config source
    and stg_config__property_filters would stage them."""
    con.execute(
        "create or replace table staging.stg_config__property_filters (filter_owner varchar, "
        "funnel_name varchar, owner_index bigint, conversion_name varchar, condition_index bigint, "
        "property_path varchar, property_scope varchar, property_key varchar, operator varchar, "
        "text_values varchar[], number_values double[], pattern varchar, number double, is_set boolean)"
    )
    rows = []
    for f in funnels:
        for owner, entries in (("step", f.steps), ("exclusion", f.exclude)):
            for index, entry in enumerate(entries, start=1):
                for c, condition in enumerate(as_step(entry).conditions, start=1):
                    row = condition_row(condition)
                    rows.append(
                        (owner, f.name, index, None, c, row["property_path"], row["property_scope"])
                        + (row["property_key"], row["operator"], json.loads(row["text_values_json"]))
                        + (
                            json.loads(row["number_values_json"]),
                            row["pattern"],
                            row["number"],
                            row["is_set"],
                        )
                    )
    insert_rows(con, "staging.stg_config__property_filters", rows)


def write_event_properties(con: duckdb.DuckDBPyConnection, events: Sequence[Event]) -> None:
    """staging.stg_ga4__event_properties: the params as its list of {key, value as text}, items as
    the export's JSON list of objects."""
    con.execute(
        "create or replace table staging.stg_ga4__event_properties (event_key varchar, event_name varchar, "
        "event_params struct(key varchar, value varchar)[], "
        "user_properties struct(key varchar, value varchar)[], "
        "items json, device json, geo json, traffic_source json, collected_traffic_source json)"
    )
    insert_rows(
        con,
        "staging.stg_ga4__event_properties",
        [
            (
                e.event_id,
                e.event_name,
                json.dumps([{"key": k, "value": str(v)} for k, v in e.params.items()]),
                json.dumps(list(e.items)),
            )
            for e in events
            if not e.is_macro
        ],
        "c1, c2, cast(c3::json as struct(key varchar, value varchar)[]), null, c4, null, null, null, null",
    )


def reference_events(funnel: Funnel, person_events: Sequence[Event], micro_events: set[str]):
    """The person's events as the reference semantics sees them in `funnel`: the steps each event
    matches (name or the micro-conversion MICRO, and the step's filter) and the steps at which it
    voids a waiting journey (its exclusions' filters and bounds)."""
    from microfunnel.funnel_semantics import FunnelEvent

    def matches(e: Event, step: Step) -> bool:
        named = e.event_id in micro_events if step.event == MICRO else step.event == e.event_name
        return named and where_holds(step.conditions, e.properties)

    out = []
    for e in person_events:
        steps = frozenset(i for i, s in enumerate(funnel.steps, start=1) if matches(e, as_step(s)))
        covered = frozenset().union(
            *(exclusion_steps_between(*funnel.bounds(x)) for x in funnel.exclude if matches(e, as_step(x)))
        )
        if steps or covered or funnel.order_mode == "strict":
            out.append(FunnelEvent(e.event_ts_us, e.event_seq, e.event_id, steps, False, covered))
    return out


def run_funnel_models(
    path: Path, select: str = FUNNEL_MODELS, variables: Mapping[str, object] | None = None
) -> None:
    """`dbt run` the funnel models (only) against the warehouse file at `path`."""
    run_dbt("run", "--select", *select.split(), warehouse=path, variables=variables)


def random_funnels(seed: int, count: int) -> list[Funnel]:
    """Funnels with random steps, filters, exclusions and exclusion bounds, in every mode."""
    rng = random.Random(seed)
    wheres = [
        {},
        {},
        {"v": {"gte": 4}},
        {"v": {"in": [1, 3, 5, 7]}},
        {"v": {"not": 2}},
        {"item.item_category": "Shoes"},
        {"item.item_category": {"not_in": ["Bags"]}},
        {"v": {"lt": 8}, "item.item_category": {"is_set": True}},
    ]
    funnels = []
    for n in range(count):
        mode = ["ordered", "strict", "any"][n % 3]
        length = rng.choice([2, 3, 4])
        steps = [Step(rng.choice(["A", "B", "C", MICRO]), rng.choice(wheres)) for _ in range(length)]
        exclude = []
        for _ in range(rng.choice([0, 1, 2, 2])):
            start = rng.randint(1, length - 1)
            between = None if mode == "any" else (start, rng.randint(start + 1, length))
            exclude.append(Step(rng.choice(["X", "X", "N", "B"]), rng.choice(wheres), between))
        funnels.append(Funnel(f"random_{mode}_{n}", steps, rng.choice([4, 8, 12]), mode, exclude))
    return funnels


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
    # filters on steps and exclusions, bounded exclusions, one event excluded twice with
    # different filters and bounds, an event both a step and (under another filter) an exclusion
    Funnel(
        "ord_filtered",
        [Step("A", {"v": {"gte": 3}}), "B", Step("C", {"item.item_category": "Shoes"})],
        10,
        "ordered",
        [Step("X", between=(2, 3)), Step("B", {"v": {"lt": 2}}, between=(1, 2))],
    ),
    Funnel(
        "ord_four_bounded",
        ["A", "B", "C", "A"],
        12,
        "ordered",
        [
            Step("X", {"v": {"in": [1, 2, 3, 4]}}, between=(1, 2)),
            Step("X", {"v": {"gte": 6}}, between=(3, 4)),
        ],
    ),
    Funnel(
        "strict_bounded",
        ["A", "B", "C"],
        10,
        "strict",
        [Step("X", between=(2, 3)), Step("N", {"v": {"not": 5}}, between=(1, 2))],
    ),
    Funnel(
        "strict_filtered",
        [Step("A", {"item.item_category": {"in": ["Shoes", "Bags"]}}), Step("B", {"v": {"lte": 6}})],
        8,
        "strict",
        [Step("X", {"v": {"is_set": True}})],
    ),
    Funnel(
        "any_filtered",
        [Step("A", {"v": {"gt": 2}}), "B", Step(MICRO, {"item.item_category": {"not": "Gear"}})],
        10,
        "any",
        [Step("X", {"v": {"not_in": [0, 9]}})],
    ),
]
RANDOM_FUNNELS = random_funnels(20241204, 8)  # the engine test's extra funnels (not the incremental test's)


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
            params = {"v": rng.randint(0, 9)} if rng.random() < 0.8 else {}
            items = tuple(
                {"item_category": rng.choice(["Shoes", "Bags", "Gear"])}
                for _ in range(rng.choice([0, 1, 1, 2]))
            )
            events.append(
                Event(
                    person,
                    event_id,
                    max(t, 0),
                    seq,
                    name,
                    session_id=f"{person}-s{t // (10 * S)}",
                    params=params,
                    items=items,
                )
            )
            if rng.random() < 0.25:
                micro.append(MicroConversion(person, MICRO, event_id))
    return events, micro
