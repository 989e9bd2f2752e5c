"""Freshness checks: a stale table warns or fails, a fresh one passes, thresholds come from settings."""

from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from dagster import AssetCheckSeverity, AssetKey, AssetSelection, DagsterInstance, materialize

from microfunnel.settings import FreshnessThresholds, load_settings
from orchestration.freshness import freshness_checks, judge, mart_freshness_targets, raw_freshness_targets

AS_OF = datetime(2026, 10, 29, 6, tzinfo=UTC)
THRESHOLDS = FreshnessThresholds(warn_after_hours=36, fail_after_hours=72, as_of=AS_OF)
EVENTS = AssetKey(["raw_ga4", "events"])


def test_a_table_whose_newest_record_is_hours_old_passes():
    result = judge(EVENTS, AS_OF - timedelta(hours=7), THRESHOLDS)
    assert result.passed and result.metadata["age_hours"].value == 7.0


def test_a_table_older_than_the_warn_threshold_warns():
    result = judge(EVENTS, AS_OF - timedelta(hours=40), THRESHOLDS)
    assert not result.passed and result.severity == AssetCheckSeverity.WARN


def test_a_table_older_than_the_fail_threshold_fails_with_error_severity():
    result = judge(EVENTS, AS_OF - timedelta(days=5), THRESHOLDS)
    assert not result.passed and result.severity == AssetCheckSeverity.ERROR


def test_an_empty_table_warns():
    assert not judge(EVENTS, None, THRESHOLDS).passed


def test_thresholds_and_the_clock_are_read_from_the_settings():
    settings = load_settings(
        {
            "MICROFUNNEL_FRESHNESS_WARN_HOURS": "12",
            "MICROFUNNEL_FRESHNESS_FAIL_HOURS": "24",
            "MICROFUNNEL_FRESHNESS_OVERRIDES": "raw_shopify.orders=72/168",
            "MICROFUNNEL_FRESHNESS_AS_OF": "2026-10-29T06:00:00",
        }
    ).freshness
    assert settings.for_table("raw_ga4.events") == (12.0, 24.0)
    assert settings.for_table("raw_shopify.orders") == (72.0, 168.0)
    assert settings.now() == AS_OF
    orders = AssetKey(["raw_shopify", "orders"])
    assert judge(orders, AS_OF - timedelta(hours=50), settings).passed
    assert not judge(EVENTS, AS_OF - timedelta(hours=50), settings).passed


def test_every_enabled_data_source_gets_a_freshness_target_and_the_catalog_does_not():
    targets = raw_freshness_targets({"config": ("funnels",), "ga4": ("events",), "klaviyo": ("profiles",)})
    assert set(targets) == {EVENTS, AssetKey(["raw_klaviyo", "profiles"])}
    assert "_dlt_loads" in targets[AssetKey(["raw_klaviyo", "profiles"])]  # no known time column: last load


def test_a_mart_is_judged_by_its_documented_time_column_unless_its_meta_opts_out():
    def model(name, columns, meta=None):
        config = {"schema": "marts", "meta": meta or {}}
        return {"resource_type": "model", "name": name, "config": config, "columns": dict.fromkeys(columns)}

    manifest = {
        "nodes": {
            "a": model("fct_daily", ["date_day", "spend"]),
            "b": model("fct_orders", ["order_id", "ordered_at"]),
            "c": model("fct_lagging", ["date_day"], {"freshness_column": False}),
            "d": model("fct_impact", ["lift"]),
        }
    }
    targets = mart_freshness_targets(manifest)
    assert set(targets) == {AssetKey(["marts", "fct_daily"]), AssetKey(["marts", "fct_orders"])}
    assert "interval 1 day" in targets[AssetKey(["marts", "fct_daily"])]  # a day is complete at its end


@pytest.mark.slow  # runs Dagster
def test_the_freshness_step_reads_each_table_from_the_warehouse(tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("MICROFUNNEL_FRESHNESS_AS_OF", AS_OF.isoformat())
    fresh_us = int((AS_OF - timedelta(hours=5)).timestamp() * 1_000_000)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema raw_ga4; create schema raw_shopify")
        connection.execute(f"create table raw_ga4.events as select {fresh_us}::bigint as event_timestamp")
        connection.execute(
            "create table raw_shopify.orders as select timestamptz '2026-10-20 10:00:00+00' as updated_at"
        )
    orders = AssetKey(["raw_shopify", "orders"])
    check = freshness_checks(raw_freshness_targets({"ga4": ("events",), "shopify": ("orders",)}))
    result = materialize(
        [check], selection=AssetSelection.all_asset_checks(), instance=DagsterInstance.ephemeral()
    )
    outcome = {e.asset_key: e for e in result.get_asset_check_evaluations()}
    assert outcome[EVENTS].passed
    assert not outcome[orders].passed and outcome[orders].severity == AssetCheckSeverity.ERROR
