"""The SQL macros of `where:` filters equal the Python definition on random events and conditions.

dbt_project/macros/property_filters.sql (and ga4_params_entries, which types the params) are plain
Jinja, rendered here without dbt; thousands of random (event, condition) pairs must give what
`microfunnel.property_filters.condition_holds` gives.
"""

from __future__ import annotations

import json
import random

import duckdb
import jinja2
import pytest

from ingestion.sources.config import condition_row
from microfunnel.property_filters import RECORD_SCOPES, EventProperties, condition_holds, parse_where
from microfunnel.settings import DBT_PROJECT_DIR
from tests.support.warehouse import insert_rows

PARAM_VALUES = [50, 49, 51, 50.0, 49.99, "50", "60", " 7 ", "EUR", "eur", "1_000", "nan", "Shoes", ""]
CATEGORIES = ["Shoes", "Bags", "Gear", None]


def macros() -> jinja2.runtime.Module:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(DBT_PROJECT_DIR / "macros"))
    source = "\n".join(env.loader.get_source(env, name)[0] for name in ("ga4.sql", "property_filters.sql"))
    return env.from_string(source).module


def ga4_param(key: str, value) -> dict:
    if isinstance(value, bool) or value is None:
        raise ValueError(value)
    if isinstance(value, int):
        return {"key": key, "value": {"int_value": value}}
    if isinstance(value, float):
        return {"key": key, "value": {"double_value": value}}
    return {"key": key, "value": {"string_value": value}}


def random_event(rng: random.Random) -> dict:
    params = {
        k: rng.choice(PARAM_VALUES) for k in ("value", "currency", "page_location") if rng.random() < 0.7
    }
    items = [
        {
            k: v
            for k, v in {
                "item_category": rng.choice(CATEGORIES),
                "price": rng.choice([10.0, 50.0, 74.5]),
            }.items()
        }
        for _ in range(rng.choice([0, 0, 1, 2, 3]))
    ]
    user = {"tier": rng.choice(["gold", "member"])} if rng.random() < 0.5 else {}
    device = {
        "category": rng.choice(["mobile", "desktop"]),
        "web_info": {"browser": rng.choice(["Chrome", "Safari"])},
    }
    return {"params": params, "items": items, "user": user, "device": device}


def random_condition(rng: random.Random):
    path = rng.choice(
        ["value", "currency", "page_location", "missing", "item.item_category", "item.price", "user.tier"]
        + ["device.category", "device.web_info.browser"]
    )
    op = rng.choice(["eq", "not", "in", "not_in", "contains", "regex", "gt", "gte", "lt", "lte", "is_set"])
    scalar = [50, 50.0, 49.99, "50", "EUR", "Shoes", "mobile", "gold", "Chrome", 7]
    spec = {
        "eq": lambda: rng.choice(scalar),
        "not": lambda: {"not": rng.choice(scalar)},
        "in": lambda: {"in": rng.sample(scalar, 2)},
        "not_in": lambda: {"not_in": rng.sample(scalar, 2)},
        "contains": lambda: {"contains": rng.choice(["0", "ho", "E", "ob"])},
        "regex": lambda: {"regex": rng.choice(["^5", "s$", "[0-9]+", "^(mobile|gold)$"])},
        "is_set": lambda: {"is_set": rng.random() < 0.5},
    }.get(op, lambda: {op: rng.choice([7, 49.99, 50, 60])})()
    return parse_where({path: spec})[0]


@pytest.fixture(scope="module")
def warehouse():
    """Random events as stg_ga4__event_properties rows (`properties`) and random `conditions`."""
    rng = random.Random(7)
    events = [random_event(rng) for _ in range(300)]
    conditions = [random_condition(rng) for _ in range(200)]
    con = duckdb.connect()
    con.execute(
        "create table raw (event_key varchar, event_params json, user_properties json, items json, "
        "device json)"
    )
    insert_rows(
        con,
        "raw",
        [
            (
                str(i),
                json.dumps([ga4_param(k, v) for k, v in e["params"].items()]),
                json.dumps([ga4_param(k, v) for k, v in e["user"].items()]),
                json.dumps(e["items"]),
                json.dumps(e["device"]),
            )
            for i, e in enumerate(events)
        ],
    )
    m = macros()  # the params listed as text, as stg_ga4__event_properties lists them
    con.execute(
        f"""create table properties as select event_key,
            {m.ga4_params_entries("event_params")} as event_params,
            {m.ga4_params_entries("user_properties")} as user_properties, items, device,
            null::json as geo, null::json as traffic_source, null::json as collected_traffic_source
            from raw"""
    )
    con.execute(
        "create table conditions (condition_id bigint, property_scope varchar, property_key varchar, "
        "operator varchar, text_values varchar[], number_values double[], pattern varchar, number double, "
        "is_set boolean)"
    )
    for i, c in enumerate(conditions):
        row = condition_row(c)
        con.execute(
            "insert into conditions values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                i,
                row["property_scope"],
                row["property_key"],
                row["operator"],
                json.loads(row["text_values_json"]),
                json.loads(row["number_values_json"]),
                row["pattern"],
                row["number"],
                row["is_set"],
            ],
        )
    return con, events, conditions


@pytest.fixture(scope="module")
def pairs(warehouse):
    con, events, conditions = warehouse
    m = macros()
    sql = {
        (int(e), c): holds
        for e, c, holds in con.execute(
            f"select p.event_key, c.condition_id, {m.property_condition_holds('p', 'c')} "
            "from properties p cross join conditions c"
        ).fetchall()
    }
    return events, conditions, sql


def test_sql_filters_equal_the_python_definition_on_random_events(pairs):
    events, conditions, sql = pairs
    differences = []
    for e, event in enumerate(events):
        props = EventProperties(
            params=event["params"],
            items=tuple(event["items"]),
            user=event["user"],
            records={"device": event["device"]},
        )
        for c, condition in enumerate(conditions):
            if condition_holds(condition, props) != sql[(e, c)]:
                differences.append((condition.describe(), event, sql[(e, c)]))
    assert not differences, f"{len(differences)} differ, e.g. {differences[:3]}"


def test_the_random_pairs_exercise_both_outcomes_of_every_operator(pairs):
    _, conditions, sql = pairs
    outcomes = {(conditions[c].operator, holds) for (_, c), holds in sql.items()}
    operators = {c.operator for c in conditions}
    assert {(op, b) for op in operators for b in (True, False)} <= outcomes
    assert len(operators) == 11


def test_reading_only_the_asked_scopes_gives_every_condition_the_whole_rows_values(warehouse):
    """event_properties_read_by (one export column per scope asked for) reads what the whole row
    of stg_ga4__event_properties gives, for every scope a `where:` path can name."""
    con, _, conditions = warehouse
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(DBT_PROJECT_DIR / "macros"))
    env.globals["ref"] = lambda name: {"stg_ga4__event_properties": "properties"}[name]
    source = "\n".join(env.loader.get_source(env, name)[0] for name in ("ga4.sql", "property_filters.sql"))
    m = env.from_string(source).module
    read_by = m.event_properties_read_by("targets")
    for scope in ("item", "param", "user", *RECORD_SCOPES):
        assert f"'{scope}' as property_scope" in read_by, f"event_properties_read_by misses {scope}"
    con.execute(
        "create or replace temp table targets as "
        "select distinct p.event_key as event_id, c.property_scope from properties p cross join conditions c"
    )
    whole = con.execute(
        f"select p.event_key, c.condition_id, {m.property_values('p', 'c')}::varchar "
        "from properties p cross join conditions c order by all"
    ).fetchall()
    narrow = con.execute(
        f"select p.event_key, c.condition_id, {m.property_values('r', 'c')}::varchar "
        f"from properties p cross join conditions c left join {read_by} as r "
        "on r.event_key = p.event_key and r.property_scope = c.property_scope order by all"
    ).fetchall()
    assert {c.scope for c in conditions} >= {"item", "param", "user", "device"}
    assert narrow == whole


# the fields of the random events' items, as ga4_item_fields reads a native items[] column's type
ITEM_FIELDS = [["item_category", "VARCHAR"], ["price", "DOUBLE"]]
NATIVE_ITEMS = 'from_json(items, \'[{"item_category": "VARCHAR", "price": "DOUBLE"}]\')'


def test_native_items_hold_every_condition_their_json_holds(warehouse, pairs):
    """A DuckDB warehouse keeps items[] natively (a list of structs): the filters read an item's
    field by name (ga4_item_field_text), not its JSON, and every random condition holds on the same
    events as on the items' JSON text (which the Python definition holds, above)."""
    con, _, _ = warehouse
    _, _, on_json = pairs
    m = macros()
    con.execute(
        f"create or replace table native_properties as select * replace ({NATIVE_ITEMS} as items) "
        "from properties"
    )
    holds = m.property_condition_holds("p", "c", ITEM_FIELDS)
    assert "json_extract_string(item" not in holds, "native items are read field by field"
    on_native = {
        (int(e), c): held
        for e, c, held in con.execute(
            f"select p.event_key, c.condition_id, {holds} from native_properties p cross join conditions c"
        ).fetchall()
    }
    assert on_native == on_json


def test_a_native_items_field_reads_as_the_text_of_its_json():
    """Each item's field as the text json_extract_string gives of the item's JSON: text as it is,
    numbers as their JSON text (100.0, 1e20 written out, NaN), null for a null or unknown field."""
    m = macros()
    con = duckdb.connect()
    con.execute(
        "create table events as select [{'item_category': 'Shoes', 'price': 100.0}, "
        "{'item_category': null, 'price': 1e20}, {'item_category': 'a\"b', 'price': 'nan'::double}] "
        "as items, null::struct(key varchar, value varchar)[] as event_params, "
        "null::struct(key varchar, value varchar)[] as user_properties, null::json as device, "
        "null::json as geo, null::json as traffic_source, null::json as collected_traffic_source"
    )
    con.execute(
        "create table keys as select unnest(['item_category', 'price', 'no_such_field', 'Price']) "
        "as property_key, 'item' as property_scope"
    )
    native = con.execute(
        f"select k.property_key, {m.property_values('e', 'k', ITEM_FIELDS)} from events e, keys k order by 1"
    ).fetchall()
    as_json = con.execute(
        f"select k.property_key, {m.property_values('j', 'k')} "
        "from (select * replace (cast(items as json) as items) from events) j, keys k order by 1"
    ).fetchall()
    assert native == as_json
    assert dict(native) == {
        "Price": [None, None, None],
        "item_category": ["Shoes", None, 'a"b'],
        "no_such_field": [None, None, None],
        "price": ["100.0", "100000000000000000000.0", "NaN"],
    }


# every value type, a repeated key, a key without a value
SAMPLE_PARAMS = json.dumps(
    [
        ga4_param("ga_session_id", 1791055099),
        ga4_param("value", 19.5),
        ga4_param("currency", "EUR"),
        ga4_param("currency", "USD"),
        {"key": "empty", "value": {}},
    ]
)


def test_a_param_is_read_as_text_first_entry_first_and_null_when_absent():
    """ga4_params_entries + param_value, as stg_ga4__events and the action micro-conversions read
    params: every value type as text, the first entry of a repeated key, null for a missing key or
    a missing params list; catalog_params_match compares every filter against them."""
    m = macros()
    con = duckdb.connect()
    con.execute(
        "create table events as select ?::json as event_params union all select null", [SAMPLE_PARAMS]
    )
    entries = f"({m.ga4_params_entries('event_params')})"
    in_order = "from events order by event_params nulls last"

    def read(key: str) -> list[tuple]:
        return con.execute(f"select {m.param_value(entries, repr(key))} {in_order}").fetchall()

    def match(catalog_params: str) -> list[tuple]:
        return con.execute(f"select {m.catalog_params_match(catalog_params, entries)} {in_order}").fetchall()

    assert read("ga_session_id") == [("1791055099",), (None,)]
    assert read("value") == [("19.5",), (None,)]
    assert read("currency") == [("EUR",), (None,)], "a repeated key reads its first entry"
    assert read("empty") == [(None,), (None,)]
    assert read("missing") == [(None,), (None,)]
    assert match("map {'currency': 'EUR', 'value': '19.5'}") == [(True,), (False,)]
    assert match("map {'currency': 'USD'}") == [(False,), (False,)]
    assert match("map {'missing': ''}") == [(True,), (True,)], "a missing param reads as ''"


def test_a_param_read_by_its_position_in_the_keys_is_the_param_read_by_filtering():
    """param_value_by_key (stg_ga4__events' ten lookups, one keys list per row) reads what
    param_value reads: every type as text, the first of a repeated key, null when the key, its
    value or the whole list is missing."""
    m = macros()
    keyless = json.dumps([*json.loads(SAMPLE_PARAMS), {"key": None, "value": {"string_value": "keyless"}}])
    con = duckdb.connect()
    con.execute(
        "create table events as select ?::json as event_params union all select '[]' union all select null",
        [keyless],
    )
    entries = f"({m.ga4_params_entries('event_params')})"
    keyed = f"(select {entries} as entries, {m.param_keys(entries)} as param_keys from events)"
    for key in ("ga_session_id", "value", "currency", "empty", "missing"):
        rows = con.execute(
            f"select {m.param_value('entries', repr(key))}, "
            f"{m.param_value_by_key('entries', 'param_keys', repr(key))} from {keyed}"
        ).fetchall()
        assert len(rows) == 3
        assert all(by_filter == by_position for by_filter, by_position in rows), (key, rows)
    assert con.execute(
        f"select {m.param_value_by_key('entries', 'param_keys', repr('currency'))} from {keyed}"
    ).fetchall() == [("EUR",), (None,), (None,)]


URLS = [
    "https://shop.example/p?utm_source=news&utm_medium=email&gclid=abc#top",
    "https://shop.example/p?x=1&utm_source=a%20b&utm_source=second",
    "https://shop.example/p?xutm_source=no&fbclid=f1",
    "https://shop.example/p#utm_source=in-fragment",
    "https://shop.example/utm_source=/path?q=1",
    "https://shop.example/p?utm_source=&utm_medium=cpc",
    "https://shop.example/p?utm_id=7&gclid=",
    "https://shop.example/p?a.b=dotted&axb=other",
    "https://shop.example/p",
    "",
    None,
]


@pytest.mark.parametrize("name", ["utm_source", "utm_medium", "utm_id", "gclid", "fbclid", "a.b", "a-b"])
def test_a_url_param_looked_for_literally_first_is_the_regular_expressions_answer(name):
    """url_param skips the regular expression for URLs without `name=` (a plain name only; a name
    with other characters, a pattern inside the expression, always runs it): the same answers."""
    m = macros()
    con = duckdb.connect()
    con.execute("create table pages (page_location varchar)")
    con.executemany("insert into pages values (?)", [(url,) for url in URLS])
    regex_only = f"nullif(url_decode(regexp_extract(page_location, '[?&]{name}=([^&#]*)', 1)), '')"
    rows = con.execute(f"select {m.url_param('page_location', name)}, {regex_only} from pages").fetchall()
    assert [guarded for guarded, _ in rows] == [plain for _, plain in rows]
    assert any(value is not None for value, _ in rows) or name == "a-b"
