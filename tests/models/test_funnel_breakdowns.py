"""fct_funnel_breakdowns on hand-made inputs: values from the entry event, top N, 'Other', rates."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.support.funnel_warehouse import run_funnel_models

pytestmark = pytest.mark.slow

# person -> (steps reached, entry event device category, entry event items' categories)
PERSONS = {
    "p1": (3, "mobile", ["Shoes", "Bags"]),
    "p2": (2, "mobile", []),
    "p3": (1, "desktop", []),
    "p4": (3, "desktop", ["Gear"]),
    "p5": (2, "tablet", []),
    "p6": (1, None, []),
}


@pytest.fixture(scope="module")
def breakdowns(tmp_path_factory):
    path = tmp_path_factory.mktemp("breakdowns") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    for schema in ("staging", "marts"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table staging.stg_config__funnels as select * from (values "
        "('f', 'ordered', 60, 3, 2), ('g', 'ordered', 60, 3, 10)) "
        "t(funnel_name, order_mode, window_seconds, step_count, breakdown_limit)"
    )
    con.execute(
        "create table staging.stg_config__funnel_steps as select f.funnel_name, s.step_index, s.step_name "
        "from (values ('f'), ('g')) f(funnel_name), "
        "(values (1, 'a'), (2, 'b'), (3, 'c')) s(step_index, step_name)"
    )
    con.execute(
        "create table staging.stg_config__funnel_breakdowns as select * from (values "
        "('f', 1, 'device.category', 'device', 'category'), "
        "('g', 1, 'device.category', 'device', 'category'), "
        "('g', 2, 'item.item_category', 'item', 'item_category')) "
        "t(funnel_name, breakdown_index, property_path, property_scope, property_key)"
    )
    con.execute(
        "create table marts.fct_funnel_steps (funnel_name varchar, person_id varchar, step_index bigint, "
        "entry_event_id varchar)"
    )
    con.executemany(
        "insert into marts.fct_funnel_steps values (?, ?, ?, ?)",
        [
            (funnel, person, step, f"{person}-entry")
            for funnel in ("f", "g")
            for person, (reached, _, _) in PERSONS.items()
            for step in range(1, reached + 1)
        ],
    )
    con.execute(
        "create table staging.stg_ga4__event_properties (event_key varchar, "
        "event_params struct(key varchar, value varchar)[], "
        "user_properties struct(key varchar, value varchar)[], "
        "items json, device json, geo json, traffic_source json, collected_traffic_source json)"
    )
    con.executemany(
        "insert into staging.stg_ga4__event_properties values (?, [], null, ?, ?, null, null, null)",
        [
            (
                f"{person}-entry",
                json.dumps([{"item_category": c} for c in items]),
                json.dumps({"category": device}) if device else None,
            )
            for person, (_, device, items) in PERSONS.items()
        ],
    )
    con.close()
    run_funnel_models(path, select="fct_funnel_breakdowns")
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute(
        "select funnel_name, breakdown_value, step_index, persons_reached, conversion_from_previous, "
        "conversion_from_first, breakdown_path from marts.fct_funnel_breakdowns order by all"
    ).fetchall()
    con.close()
    return rows


def table(rows, funnel):
    return {
        (value, step): (persons, prev, first)
        for f, value, step, persons, prev, first, _ in rows
        if f == funnel
    }


def test_the_top_values_by_last_step_keep_their_name_and_the_rest_are_other(breakdowns):
    # Ranked by persons at step 3, then 2, then 1: mobile [1, 2, 2], desktop [1, 1, 2],
    # tablet [0, 1, 1], (none) [0, 0, 1]. Limit 2: tablet and (none) become Other.
    assert table(breakdowns, "f") == {
        ("mobile", 1): (2, 1.0, 1.0),
        ("mobile", 2): (2, 1.0, 1.0),
        ("mobile", 3): (1, 0.5, 0.5),
        ("desktop", 1): (2, 1.0, 1.0),
        ("desktop", 2): (1, 0.5, 0.5),
        ("desktop", 3): (1, 1.0, 0.5),
        ("Other", 1): (2, 1.0, 1.0),
        ("Other", 2): (1, 0.5, 0.5),
        ("Other", 3): (0, 0.0, 0.0),
    }


def test_several_paths_join_their_values_and_an_item_path_reads_the_first_item(breakdowns):
    values = {value for value, _ in table(breakdowns, "g")}
    assert values == {
        "mobile | Shoes",
        "mobile | (none)",
        "desktop | (none)",
        "desktop | Gear",
        "tablet | (none)",
        "(none) | (none)",
    }
    assert {path for f, *_, path in breakdowns if f == "g"} == {"device.category | item.item_category"}
