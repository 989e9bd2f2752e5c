"""The SQL funnel engine (dbt models) equals the reference semantics on random persons.

Hundreds of random small persons, with same-timestamp events, repeated steps, events matching
two steps (through a micro-conversion anchored on them), exclusions and window boundaries, go
through every mode; each (funnel, person) must get exactly the steps, timestamps and events
that `microfunnel.funnel_semantics.evaluate_funnel` gives. One dbt run covers all cases.
"""

from __future__ import annotations

import random

import duckdb
import pytest

from microfunnel.funnel_semantics import FunnelEvent, evaluate_funnel
from tests.funnel_warehouse import Event, Funnel, MicroConversion, run_funnel_models, write_inputs

S = 1_000_000
SEED = 20240605
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


def reference_results(funnel: Funnel, events: list[Event], micro: list[MicroConversion]) -> dict:
    micro_events = {m.event_id for m in micro}
    by_person: dict[str, list[FunnelEvent]] = {}
    for e in events:
        steps = frozenset(
            i
            for i, name in enumerate(funnel.steps, start=1)
            if (name == MICRO and e.event_id in micro_events) or name == e.event_name
        )
        is_exclusion = e.event_name in funnel.exclude
        if steps or is_exclusion or funnel.order_mode == "strict":
            by_person.setdefault(e.person_id, []).append(
                FunnelEvent(e.event_ts_us, e.event_seq, e.event_id, steps, is_exclusion)
            )
    out = {}
    for person, person_events in by_person.items():
        result = evaluate_funnel(
            person_events, len(funnel.steps), funnel.window_seconds * S, funnel.order_mode
        )
        if result is not None and not result.excluded:
            out[person] = [(s.step_index, s.funnel_step, s.reached_at_us, s.event_id) for s in result.steps]
    return out


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("funnel_engine") / "warehouse.duckdb"
    events, micro = random_world(SEED)
    write_inputs(path, FUNNELS, events, micro, catalog=[MICRO])
    run_funnel_models(path, select="path:models/intermediate/funnels fct_funnel_steps")
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute(
        "select funnel_name, person_id, step_index, funnel_step_index, reached_ts_us, event_id "
        "from marts.fct_funnel_steps order by funnel_name, person_id, step_index"
    ).fetchall()
    con.close()
    sql: dict[str, dict[str, list]] = {f.name: {} for f in FUNNELS}
    for funnel, person, step, funnel_step, ts, event_id in rows:
        sql[funnel].setdefault(person, []).append((step, funnel_step, ts, event_id))
    return sql, events, micro


@pytest.mark.parametrize("funnel", FUNNELS, ids=[f.name for f in FUNNELS])
def test_sql_engine_matches_the_reference_for_every_random_person(engine, funnel):
    sql, events, micro = engine
    expected = reference_results(funnel, events, micro)
    assert len(expected) > 50, "the random world should put many persons in every funnel"
    mismatches = {
        person: (expected.get(person), sql[funnel.name].get(person))
        for person in set(expected) | set(sql[funnel.name])
        if expected.get(person) != sql[funnel.name].get(person)
    }
    assert not mismatches, f"{len(mismatches)} persons differ, e.g. {sorted(mismatches.items())[:3]}"
