"""Asset check: every raw event a funnel or the catalog names occurs in the data: GA4's events and
the events other sources contribute to the `conversion_events` feed (Klaviyo's email opens and
clicks), read from their `int_conversion_events__<source>` relations.

Validation already rejects a name one typo away from a known one (`view_itme`, see
microfunnel/conversions.py); a custom event (`chat_opened`) cannot be checked without data, and
a funnel naming one that never occurs silently drops to 0 after that step. This check lists
every such step, exclusion and action event_name with the funnel and the step. It warns rather
than blocks: an event may simply not have happened yet (a new feature, a quiet day).
"""

from __future__ import annotations

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from microfunnel.conversions import Catalog, load_catalog
from orchestration.warehouse import warehouse_access

GA4_EVENTS = "staging.stg_ga4__events"
SOURCE_EVENTS_PREFIX = "int_conversion_events__"  # the feed's models (macros/sources.sql)
SOURCE_EVENT_RELATIONS_SQL = """
select schema_name, view_name from duckdb_views() where starts_with(view_name, $prefix)
union all
select schema_name, table_name from duckdb_tables() where starts_with(table_name, $prefix)
order by all
"""
FUNNEL_STEPS = AssetKey(["marts", "fct_funnel_steps"])
PERSON_EVENTS = "intermediate.int_person_events"


def _exists(connection: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, name = relation.split(".")
    return bool(
        connection.execute(
            "select 1 from duckdb_tables() where schema_name = $s and table_name = $n "
            "union all select 1 from duckdb_views() where schema_name = $s and view_name = $n",
            {"s": schema, "n": name},
        ).fetchall()
    )


def unseen_event_references(catalog: Catalog, seen: set[str]) -> list[str]:
    """'funnel 'support' exclude 1: chat_opened' for every referenced event absent from `seen`."""
    return [
        f"{where}: {event} never occurs"
        for where, event in catalog.raw_event_references()
        if event not in seen
    ]


def seen_event_names(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """Every event name in GA4's events and in each enabled source's contributed events."""
    contributed = connection.execute(SOURCE_EVENT_RELATIONS_SQL, {"prefix": SOURCE_EVENTS_PREFIX}).fetchall()
    relations = [GA4_EVENTS, *(f'"{schema}"."{name}"' for schema, name in contributed)]
    if not contributed and _exists(connection, PERSON_EVENTS):
        # a Spark build: its staging views are not in the warehouse file (microfunnel.spark_catalog);
        # every source's events reach the person timeline, a table it has
        relations.append(PERSON_EVENTS)
    union = " union ".join(f"select distinct event_name from {relation}" for relation in relations)
    return {name for (name,) in connection.execute(union).fetchall()}


@asset_check(
    asset=FUNNEL_STEPS,
    description="Every event named by a funnel step, exclusion or action occurs in the data "
    "(GA4's, or a source's contributed events such as Klaviyo's email opens).",
)
def funnel_events_seen(context) -> AssetCheckResult:
    with (
        warehouse_access(context) as settings,
        duckdb.connect(str(settings.warehouse_path), read_only=True) as connection,
    ):
        unseen = unseen_event_references(
            load_catalog(settings.conversions_config), seen_event_names(connection)
        )
    return AssetCheckResult(
        passed=not unseen,
        severity=AssetCheckSeverity.WARN,
        metadata={"unseen": len(unseen), "details": "; ".join(unseen) or "every named event occurs"},
    )
