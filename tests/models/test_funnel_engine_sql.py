"""The SQL funnel engine (dbt models) equals the reference semantics on random persons.

Hundreds of random small persons, with same-timestamp events, repeated steps, events matching
two steps (through a micro-conversion anchored on them), exclusions and window boundaries, go
through every mode; each (funnel, person) must get exactly the steps, timestamps and events
that `microfunnel.funnel_semantics.evaluate_funnel` gives. One dbt run covers all cases.
"""

from __future__ import annotations

import pytest

from microfunnel.funnel_semantics import FunnelEvent, evaluate_funnel
from tests.support.funnel_warehouse import (
    FUNNELS,
    MICRO,
    Event,
    Funnel,
    MicroConversion,
    S,
    random_world,
    run_funnel_models,
    write_inputs,
)
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow

SEED = 20240605


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
    steps = rows(
        path,
        "select funnel_name, person_id, step_index, funnel_step_index, reached_ts_us, event_id "
        "from marts.fct_funnel_steps order by funnel_name, person_id, step_index",
    )
    sql: dict[str, dict[str, list]] = {f.name: {} for f in FUNNELS}
    for funnel, person, step, funnel_step, ts, event_id in steps:
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
