"""Asset checks beyond dbt's tests: funnel anomalies (warn), source-to-mart reconciliation (blocking),
and freshness (orchestration/freshness.py). `all_checks` assembles them for the enabled sources.

The anomaly check reads the dbt model `fct_funnel_conversion_anomalies` (the SQL lives in dbt,
where it is tested and visible to BI tools) and warns: a real change in behaviour is news, not an
error, so it never blocks publishing. Reconciliation is an error that does block it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

import duckdb
from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    asset_check,
)

from ingestion.registry import SourceSelection
from orchestration.freshness import freshness_checks, mart_freshness_targets, raw_freshness_targets
from orchestration.reconciliation import ORDERS_SQL, SOURCE_SPEND, differences, spend_sql
from orchestration.resources import dbt_project
from orchestration.warehouse import warehouse_access

ANOMALIES = AssetKey(["marts", "fct_funnel_conversion_anomalies"])
NEWEST_ANOMALIES_SQL = """
select funnel_name, step_index, step_name, date_day, conversion, band_mean, band_sd
from marts.fct_funnel_conversion_anomalies
where is_newest_complete_day and is_anomaly
order by funnel_name, step_index
"""


def _read(context, sql: str) -> list[dict]:
    """Rows of `sql`, read under the warehouse's writer lock (orchestration/warehouse.py)."""
    with (
        warehouse_access(context) as settings,
        duckdb.connect(str(settings.warehouse_path), read_only=True) as connection,
    ):
        return differences(connection, sql)


@asset_check(
    asset=ANOMALIES,
    description="Each step's conversion on the newest complete entry day lies within its trailing band "
    "(rows of fct_funnel_conversion_anomalies with is_anomaly on that day).",
)
def funnel_conversion_within_trailing_band(context) -> AssetCheckResult:
    anomalies = _read(context, NEWEST_ANOMALIES_SQL)
    return AssetCheckResult(
        passed=not anomalies,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "anomalies": len(anomalies),
            "details": "; ".join(
                f"{a['funnel_name']} step {a['step_index']} ({a['step_name']}) on {a['date_day']}: "
                f"{a['conversion']:.1%} vs {a['band_mean']:.1%} ± {a['band_sd'] or 0:.1%} (1 sd)"
                for a in anomalies
            )
            or "none",
        },
    )


def _reconciliation_check(
    name: str, mart: AssetKey, raw: Sequence[AssetKey], sql: str, description: str
) -> AssetChecksDefinition:
    @asset_check(
        asset=mart,
        name=name,
        additional_deps=raw,
        blocking=True,
        description=description,
    )
    def reconcile(context) -> AssetCheckResult:
        rows = _read(context, sql)
        return AssetCheckResult(
            passed=not rows,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "differences": len(rows),
                "details": json.dumps(rows[:20], default=str) if rows else "none",
            },
        )

    return reconcile


def reconciliation_checks(
    source_resources: Mapping[str, Sequence[str]], mart_keys: set[AssetKey]
) -> list[AssetChecksDefinition]:
    """A blocking check for each mart whose sources are enabled and whose model is built."""
    checks = []
    orders = AssetKey(["marts", "fct_orders"])
    if "shopify" in source_resources and orders in mart_keys:
        checks.append(
            _reconciliation_check(
                "orders_and_revenue_reconcile_with_shopify",
                orders,
                [AssetKey(["raw_shopify", "orders"])],
                ORDERS_SQL,
                "fct_orders holds every non-test Shopify order, and its revenue equals the raw totals "
                "less refunds (0 for cancelled orders).",
            )
        )
    campaigns = AssetKey(["marts", "fct_campaign_performance_daily"])
    platforms = [p for p in SOURCE_SPEND if p in source_resources]
    if platforms and campaigns in mart_keys:
        checks.append(
            _reconciliation_check(
                "spend_reconciles_with_ad_platforms",
                campaigns,
                [AssetKey([f"raw_{p}", SOURCE_SPEND[p][0]]) for p in platforms],
                spend_sql(platforms),
                "Per platform and day, spend equals the raw ad platform spend.",
            )
        )
    return checks


def all_checks(
    source_resources: Mapping[str, Sequence[str]],
    built_keys: set[AssetKey],
    manifest_loader: Callable[[], dict],
) -> list[AssetChecksDefinition]:
    marts = {key for key in built_keys if key.path[0] == "marts"}
    checks = reconciliation_checks(source_resources, marts)
    if ANOMALIES in marts:
        checks.append(funnel_conversion_within_trailing_band)
    targets = {**raw_freshness_targets(source_resources), **mart_freshness_targets(manifest_loader())}
    targets = {key: sql for key, sql in targets.items() if key in built_keys}
    if targets:
        checks.append(freshness_checks(targets))
    return checks


def dbt_manifest(selection: SourceSelection) -> dict:
    return json.loads(dbt_project(selection).manifest_path.read_text())
