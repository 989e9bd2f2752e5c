"""The SQL funnel engine (dbt models) equals the reference semantics on random persons.

Hundreds of random small persons, with same-timestamp events, repeated steps, events matching
two steps (through a micro-conversion anchored on them), exclusions and window boundaries, go
through every mode, with fixed and random `where` filters on steps and exclusions and random
exclusion bounds (`between`); each (funnel, person) must get exactly the steps, timestamps and events
that `microfunnel.funnel_semantics.evaluate_funnel` gives. One dbt run covers all cases.
"""

from __future__ import annotations

import pytest

from microfunnel.funnel_semantics import evaluate_funnel
from tests.support.funnel_warehouse import (
    FUNNELS,
    MICRO,
    RANDOM_FUNNELS,
    Event,
    Funnel,
    MicroConversion,
    S,
    random_world,
    reference_events,
    run_funnel_models,
    write_inputs,
)
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow

SEED = 20240605
ENGINE_FUNNELS = [*FUNNELS, *RANDOM_FUNNELS]


def reference_results(funnel: Funnel, events: list[Event], micro: list[MicroConversion]) -> dict:
    micro_events = {m.event_id for m in micro}
    by_person: dict[str, list[Event]] = {}
    for e in events:
        by_person.setdefault(e.person_id, []).append(e)
    by_person = {p: reference_events(funnel, evs, micro_events) for p, evs in by_person.items()}
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
    write_inputs(path, ENGINE_FUNNELS, events, micro, catalog=[MICRO])
    run_funnel_models(path, select="path:models/intermediate/funnels fct_funnel_steps")
    steps = rows(
        path,
        "select funnel_name, person_id, step_index, funnel_step_index, reached_ts_us, event_id "
        "from marts.fct_funnel_steps order by funnel_name, person_id, step_index",
    )
    sql: dict[str, dict[str, list]] = {f.name: {} for f in ENGINE_FUNNELS}
    for funnel, person, step, funnel_step, ts, event_id in steps:
        sql[funnel].setdefault(person, []).append((step, funnel_step, ts, event_id))
    return sql, events, micro, path


@pytest.mark.parametrize("funnel", ENGINE_FUNNELS, ids=[f.name for f in ENGINE_FUNNELS])
def test_sql_engine_matches_the_reference_for_every_random_person(engine, funnel):
    sql, events, micro, _ = engine
    expected = reference_results(funnel, events, micro)
    assert len(expected) > 50, "the random world should put many persons in every funnel"
    mismatches = {
        person: (expected.get(person), sql[funnel.name].get(person))
        for person in set(expected) | set(sql[funnel.name])
        if expected.get(person) != sql[funnel.name].get(person)
    }
    assert not mismatches, f"{len(mismatches)} persons differ, e.g. {sorted(mismatches.items())[:3]}"


# Every model from the occurrences to the results; matchers, fingerprints and the recompute list
# are keyed by name on purpose (they are small, or they map names to keys).
ENGINE_MODELS = [
    "int_funnel_step_occurrences",
    "int_funnel_step_occurrences_ordered",
    "int_funnel_step_successors",
    "int_funnel_strict_breaks",
    "int_funnel_journey_steps",
    "int_funnel_journeys",
    "int_funnel_sequential_results",
    "int_funnel_any_order_window_steps",
    "int_funnel_any_order_results",
]


def test_the_engine_carries_integer_keys_not_names_or_ids(engine):
    """Between matching and fct_funnel_steps, rows hold funnel_key, person_key and event_seq, never
    the funnel name, person id or event id: at 10M events those strings doubled what the engine's
    windows sorted and spilled (DECISIONLOG, "The funnel engine carries integer keys")."""
    path = engine[3]
    models = ", ".join(f"'{model}'" for model in ENGINE_MODELS)
    columns = rows(
        path,
        "select table_name, column_name, data_type from information_schema.columns "
        f"where table_schema = 'intermediate' and table_name in ({models})",
    )
    assert {table for table, _, _ in columns} == set(ENGINE_MODELS)
    text_columns = [
        (table, column) for table, column, kind in columns if kind == "VARCHAR" and column != "order_mode"
    ]
    assert text_columns == []
    for table in ENGINE_MODELS:
        assert {"funnel_person_key"} <= {column for name, column, _ in columns if name == table}, table
