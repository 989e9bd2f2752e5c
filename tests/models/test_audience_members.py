"""fct_audience_members on hand-made persons: the lookback boundary, at_least counts, exclusions
(within the lookback and `ever`), orders, per-rule windows, entered_at and the hashed email.

The warehouse holds only what the audience models read (the staged config of a small
conversions.yml, int_conversions_stitched, int_person_events for the end of the data, the identity
marts); dbt runs the audience models and their tests on it. Every expected member below was worked
out by hand, and the Python reference reading (microfunnel.audiences.members_as_of) must agree.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from microfunnel.audiences import Occurrence, config_rows, members_as_of
from microfunnel.conversions import load_catalog
from tests.support.dbt import run_dbt
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow

CATALOG = """
micro_conversions:
  - {name: view_item,    kind: action,      event_name: view_item}
  - {name: add_to_cart,  kind: action,      event_name: add_to_cart}
  - {name: lead_magnet,  kind: action,      event_name: file_download, params: {file_name: guide.pdf}}
  - {name: pricing_page, kind: destination, page_path: "/pricing*"}
  - {name: email_opened, kind: action,      event_name: email_opened}
  - {name: deep_visit,   kind: engagement,  min_page_views: 5}
funnels:
  - {name: purchase, steps: [view_item, purchase]}
audiences:
  - {name: cart_abandoners, lookback: 3 days, include: [add_to_cart], exclude: [purchase]}
  - name: lead_no_pricing
    lookback: 14 days
    include: [lead_magnet]
    exclude: [{conversion: pricing_page, within: ever}]
  - name: openers_no_order
    lookback: 14 days
    include: [{conversion: email_opened, at_least: 2}]
    exclude: [{conversion: purchase, within: ever}]
  - name: browsers_who_once_carted
    lookback: 7 days
    include: [{conversion: view_item, at_least: 2}, {conversion: add_to_cart, within: ever}]
    exclude: [{conversion: purchase, within: 1 day}]
  - {name: deep_visitors, lookback: 1 day, include: [deep_visit]}
"""

AS_OF = datetime(2026, 10, 30, 12, 0, 0)  # the newest event (the `clock` person's page view)


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"2026-{text}")


# person -> [(conversion, time)]
OCCURRENCES = {
    # cart_abandoners (window (10-27 12:00, 10-30 12:00]): exactly 3 days old is out, a second younger in
    "edge": [("add_to_cart", at("10-27 12:00:00"))],
    "inside": [("add_to_cart", at("10-27 12:00:01"))],
    "bought": [("add_to_cart", at("10-29 08:00")), ("purchase", at("10-30 09:00"))],
    # the order at 10-27 10:00 is out of the window now, but it was inside it until 10-30 10:00: the
    # person meets the rules since then, not since the 10-28 cart
    "bought_before": [
        ("add_to_cart", at("10-26 08:00")),
        ("purchase", at("10-27 10:00")),
        ("add_to_cart", at("10-28 09:00")),
        ("add_to_cart", at("10-29 09:00")),
    ],
    # lead_no_pricing (window (10-16 12:00, 10-30 12:00], pricing ever)
    "lead": [("lead_magnet", at("10-20 00:00")), ("lead_magnet", at("10-25 00:00"))],
    "lead_saw_pricing_long_ago": [("pricing_page", at("10-01 10:00")), ("lead_magnet", at("10-25 00:00"))],
    "lead_too_old": [("lead_magnet", at("10-10 00:00"))],
    # openers_no_order: only opens inside the 14 days count towards the two
    "opener": [
        ("email_opened", at("10-15 00:00")),
        ("email_opened", at("10-22 00:00")),
        ("email_opened", at("10-29 00:00")),
    ],
    "opener_once": [("email_opened", at("10-15 00:00")), ("email_opened", at("10-22 00:00"))],
    "opener_who_ordered": [
        ("purchase", at("10-05 00:00")),
        ("email_opened", at("10-21 00:00")),
        ("email_opened", at("10-22 00:00")),
    ],
    # browsers_who_once_carted: two views in 7 days, a cart any time, no order in the last day
    "multi": [
        ("add_to_cart", at("10-01 00:00")),
        ("view_item", at("10-25 00:00")),
        ("view_item", at("10-28 00:00")),
        ("purchase", at("10-29 10:00")),
    ],
    "multi_ordered_today": [
        ("add_to_cart", at("10-01 00:00")),
        ("view_item", at("10-25 00:00")),
        ("view_item", at("10-28 00:00")),
        ("purchase", at("10-29 13:00")),
    ],
}

EXPECTED = {
    ("cart_abandoners", "inside"): at("10-27 12:00:01"),
    ("cart_abandoners", "bought_before"): at("10-30 10:00"),  # the order left the 3-day window
    ("lead_no_pricing", "lead"): at("10-20 00:00"),
    ("openers_no_order", "opener"): at("10-29 00:00"),  # the second open inside the window
    ("browsers_who_once_carted", "multi"): at("10-30 10:00"),  # the order left the 1-day window
}

# identifiers: "inside" has a shared email seen later (cut by the guardrails) and its own; "lead" two own
IDENTIFIERS = [
    ("email_hash", "hash-shared", "inside", at("10-29 00:00"), True),
    ("email_hash", "hash-inside", "inside", at("10-27 00:00"), False),
    ("email_hash", "hash-lead-old", "lead", at("10-01 00:00"), False),
    ("email_hash", "hash-lead-new", "lead", at("10-20 00:00"), False),
    ("anonymous_id", "cookie-opener", "opener", at("10-29 00:00"), False),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audiences")
    (folder / "conversions.yml").write_text(CATALOG)
    catalog = load_catalog(folder / "conversions.yml")
    config = config_rows(catalog.audiences)
    path = folder / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    for schema in ("staging", "intermediate", "marts"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table staging.stg_config__audiences "
        "(audience_name varchar, audience_description varchar, lookback_seconds bigint)"
    )
    con.executemany(
        "insert into staging.stg_config__audiences values (?, ?, ?)",
        [(a["audience_name"], a["description"], a["lookback_seconds"]) for a in config["audiences"]],
    )
    con.execute(
        "create table staging.stg_config__audience_rules (audience_name varchar, rule_type varchar, "
        "rule_index bigint, conversion_name varchar, at_least bigint, within_seconds bigint)"
    )
    con.executemany(
        "insert into staging.stg_config__audience_rules values (?, ?, ?, ?, ?, ?)",
        [tuple(rule.values()) for rule in config["audience_rules"]],
    )
    con.execute(
        "create table intermediate.int_conversions_stitched "
        "(person_id varchar, conversion_name varchar, occurred_at timestamp)"
    )
    occurrences = [(p, c, t) for p, items in OCCURRENCES.items() for c, t in items]
    con.executemany("insert into intermediate.int_conversions_stitched values (?, ?, ?)", occurrences)
    con.execute("create table intermediate.int_person_events (person_id varchar, event_at timestamp)")
    con.executemany(
        "insert into intermediate.int_person_events values (?, ?)",
        [(p, t) for p, _, t in occurrences] + [("clock", AS_OF)],
    )
    con.execute(
        "create table marts.dim_persons as select distinct person_id from intermediate.int_person_events"
    )
    con.execute(
        "create table marts.dim_person_identifiers (identifier_type varchar, identifier_value varchar, "
        "person_id varchar, last_seen_at timestamp, is_shared boolean)"
    )
    con.executemany("insert into marts.dim_person_identifiers values (?, ?, ?, ?, ?)", IDENTIFIERS)
    con.close()
    models = "int_audience_as_of int_audience_rules_evaluated fct_audience_members dim_audiences"
    run_dbt("run", "--select", *models.split(), warehouse=path)
    tested = run_dbt(
        "test", "--select", *models.split(), "assert_audience_members_entered_by_as_of", warehouse=path
    )
    return path, catalog, tested


def test_members_and_entered_at_are_the_hand_worked_ones(built):
    path, _, _ = built
    found = rows(path, "select audience_name, person_id, entered_at, as_of from marts.fct_audience_members")
    assert {(a, p): entered for a, p, entered, _ in found} == EXPECTED
    assert {as_of for *_, as_of in found} == {AS_OF}


def test_the_python_reference_reading_of_the_rules_agrees(built):
    _, catalog, _ = built
    occurrences = {p: [Occurrence(c, t) for c, t in items] for p, items in OCCURRENCES.items()}
    reference = {
        (audience.name, person): entered
        for audience in catalog.audiences
        for person, entered in members_as_of(audience, occurrences, AS_OF).items()
    }
    assert reference == EXPECTED


def test_a_member_carries_their_own_unshared_most_recent_email_hash_or_none(built):
    path, _, _ = built
    emails = dict(rows(path, "select person_id, email_hash from marts.fct_audience_members"))
    assert emails == {
        "inside": "hash-inside",
        "bought_before": None,
        "lead": "hash-lead-new",
        "opener": None,
        "multi": None,
    }


def test_every_audience_is_listed_with_its_member_count_empty_ones_included(built):
    path, _, _ = built
    counts = dict(rows(path, "select audience_name, members from marts.dim_audiences"))
    assert counts == {
        "cart_abandoners": 2,
        "lead_no_pricing": 1,
        "openers_no_order": 1,
        "browsers_who_once_carted": 1,
        "deep_visitors": 0,
    }


def test_the_audience_models_pass_their_data_tests(built):
    *_, tested = built
    results = [r for r in tested.results() if r["unique_id"].startswith("test.")]  # not the run's hooks
    assert results and all(r["status"] == "pass" for r in results), [
        (r["unique_id"], r["status"]) for r in results if r["status"] != "pass"
    ]
    assert any("assert_audience_members_entered_by_as_of" in r["unique_id"] for r in results)
