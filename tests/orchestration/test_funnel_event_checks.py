"""The WARN check names every funnel step, exclusion and action whose event (GA4's or a source's)
never occurs."""

from __future__ import annotations

import duckdb

from microfunnel.conversions import load_catalog
from orchestration.funnel_event_checks import seen_event_names, unseen_event_references

CATALOG = """
micro_conversions:
  - {name: cart, kind: action, event_name: add_to_cart}
funnels:
  - name: support
    steps: [session_start, cart, play_movie, purchase]
    exclude: [{event: chat_opened, between: [2, 3]}]
"""


def test_every_unseen_custom_or_ga4_event_is_named_with_its_funnel_and_step(tmp_path):
    path = tmp_path / "conversions.yml"
    path.write_text(CATALOG)
    connection = duckdb.connect()
    connection.execute("create schema staging")
    connection.execute(
        "create table staging.stg_ga4__events as "
        "select * from (values ('session_start'), ('add_to_cart'), ('page_view')) t(event_name)"
    )
    unseen = unseen_event_references(load_catalog(path), seen_event_names(connection))
    assert unseen == [
        "funnel 'support' step 3: play_movie never occurs",
        "funnel 'support' exclude 1: chat_opened never occurs",
    ]


def test_events_a_source_contributes_count_as_seen(tmp_path):
    """Regression: Klaviyo's email_opened / email_clicked were reported as never occurring on every
    demo run, because only GA4's events were read."""
    path = tmp_path / "conversions.yml"
    path.write_text(CATALOG.replace("chat_opened", "email_opened"))
    connection = duckdb.connect()
    connection.execute("create schema staging")
    connection.execute(
        "create table staging.stg_ga4__events as "
        "select * from (values ('session_start'), ('add_to_cart'), ('play_movie')) t(event_name)"
    )
    connection.execute(
        "create view staging.int_conversion_events__klaviyo as "
        "select * from (values ('email_opened'), ('email_clicked')) t(event_name)"
    )
    assert "email_opened" in seen_event_names(connection)
    assert unseen_event_references(load_catalog(path), seen_event_names(connection)) == []


def test_nothing_is_reported_when_every_named_event_occurs(tmp_path):
    path = tmp_path / "conversions.yml"
    path.write_text(CATALOG)
    seen = {"session_start", "add_to_cart", "play_movie", "chat_opened"}
    assert unseen_event_references(load_catalog(path), seen) == []
