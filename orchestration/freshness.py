"""Freshness of every raw source and mart as asset checks: how old is the newest data it holds?

A load that succeeds but brings nothing new (a GA4 export that stopped, an ad account whose token
lost access to a campaign) passes every other check; this one notices. The age is measured from
the newest record (for day-grained tables, the end of the newest day) to now, and compared with
the thresholds in the settings (MICROFUNNEL_FRESHNESS_*; README "Monitoring"). A check warns past
the first threshold and fails (severity ERROR, not blocking) past the second.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    multi_asset_check,
)

from microfunnel.settings import FreshnessThresholds
from orchestration.warehouse import warehouse_access

CHECK_NAME = "fresh_data"

# source -> (table, SQL giving the newest record's UTC timestamp). A source not named here is
# judged by its newest successful load (dlt's _dlt_loads); the config source is the catalog, not data.
RAW_NEWEST_RECORD = {
    "ga4": ("events", "make_timestamp(max(event_timestamp))"),
    "google_ads": ("campaign_stats", "max(segments__date) + interval 1 day"),
    "meta_ads": ("campaign_insights", "max(date_start) + interval 1 day"),
    "shopify": ("orders", "max(updated_at)"),
}
SOURCES_WITHOUT_FRESHNESS = {"config"}
# A mart's newest record: its first column of these (date_day counts to the end of the day).
# A model sets `meta: {freshness_column: ...}` to choose, or `false` to have no freshness check.
MART_TIME_COLUMNS = ("date_day", "occurred_at", "reached_at", "ordered_at", "started_at", "last_seen_at")


def newest_record_sql(column: str) -> str:
    return f"max({column}) + interval 1 day" if column == "date_day" else f"max({column})"


def raw_freshness_targets(source_resources: Mapping[str, Iterable[str]]) -> dict[AssetKey, str]:
    """{raw table key: SQL of its newest record} for one table of every enabled source."""
    targets = {}
    for source, resources in source_resources.items():
        if source in SOURCES_WITHOUT_FRESHNESS:
            continue
        schema = f"raw_{source}"
        if source in RAW_NEWEST_RECORD:
            table, newest = RAW_NEWEST_RECORD[source]
            targets[AssetKey([schema, table])] = f"select {newest} from {schema}.{table}"
        else:
            table = next(iter(resources))
            targets[AssetKey([schema, table])] = (
                f"select max(inserted_at) from {schema}._dlt_loads where status = 0"
            )
    return targets


def mart_freshness_targets(manifest: Mapping[str, Any]) -> dict[AssetKey, str]:
    """{mart key: SQL of its newest record} for every mart with a time column (from the dbt manifest)."""
    targets = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"].get("schema") != "marts":
            continue
        chosen = node["config"].get("meta", {}).get("freshness_column")
        if chosen is False:
            continue
        column = chosen or next((c for c in MART_TIME_COLUMNS if c in node["columns"]), None)
        if column:
            name = node["name"]
            targets[AssetKey(["marts", name])] = f"select {newest_record_sql(column)} from marts.{name}"
    return targets


def judge(key: AssetKey, newest: datetime | None, thresholds: FreshnessThresholds) -> AssetCheckResult:
    """Pass, warn or fail one table by the age of its newest record."""
    warn_hours, fail_hours = thresholds.for_table(".".join(key.path))
    result = partial(AssetCheckResult, asset_key=key, check_name=CHECK_NAME)
    if newest is None:
        return result(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            metadata={"newest_record_at": "none (empty table)", "warn_after_hours": warn_hours},
        )
    newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    age_hours = (thresholds.now() - newest) / timedelta(hours=1)
    metadata = {
        "newest_record_at": newest.isoformat(),
        "age_hours": round(age_hours, 1),
        "warn_after_hours": warn_hours,
        "fail_after_hours": fail_hours,
        "as_of": thresholds.now().isoformat(),
    }
    if age_hours > fail_hours:
        return result(passed=False, severity=AssetCheckSeverity.ERROR, metadata=metadata)
    return result(passed=age_hours <= warn_hours, severity=AssetCheckSeverity.WARN, metadata=metadata)


def freshness_checks(targets: Mapping[AssetKey, str]):
    """One step that judges every target table (one read-only connection, under the writer lock)."""
    specs = [
        AssetCheckSpec(
            CHECK_NAME,
            asset=key,
            description="The newest record is younger than the freshness thresholds "
            "(MICROFUNNEL_FRESHNESS_WARN_HOURS / _FAIL_HOURS).",
        )
        for key in targets
    ]

    @multi_asset_check(specs=specs, can_subset=True, name="freshness_checks")
    def freshness(context: AssetCheckExecutionContext):
        with (
            warehouse_access(context) as settings,
            duckdb.connect(str(settings.warehouse_path), read_only=True) as connection,
        ):
            for check_key in context.selected_asset_check_keys:
                table = ".".join(check_key.asset_key.path)
                try:
                    (newest,) = connection.execute(targets[check_key.asset_key]).fetchone()
                except duckdb.CatalogException as exc:
                    yield AssetCheckResult(
                        asset_key=check_key.asset_key,
                        check_name=CHECK_NAME,
                        passed=False,
                        severity=AssetCheckSeverity.ERROR,
                        metadata={"error": f"{table} cannot be read: {exc}"},
                    )
                    continue
                yield judge(check_key.asset_key, newest, settings.freshness)

    return freshness
