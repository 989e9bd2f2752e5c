import json
from datetime import date
from types import SimpleNamespace

import duckdb

from orchestration.incremental import build_args, funnel_recompute_since


def warehouse_with_days(path, days):
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema raw_ga4")
        connection.execute("create table raw_ga4.events (event_date varchar)")
        connection.executemany("insert into raw_ga4.events values (?)", [[d] for d in days])
    return path


def test_a_daily_run_recomputes_from_the_newest_export_day_minus_the_revision_window(tmp_path):
    path = warehouse_with_days(tmp_path / "w.duckdb", ["20261001", "20261010"])
    assert funnel_recompute_since(path) == date(2026, 10, 7)
    args = build_args(SimpleNamespace(incremental_funnels=True), path)
    assert args[:2] == ["build", "--vars"] and json.loads(args[2]) == {"funnel_recompute_since": "2026-10-07"}


def test_a_full_run_or_an_empty_warehouse_rebuilds_everything(tmp_path):
    path = warehouse_with_days(tmp_path / "w.duckdb", ["20261001"])
    assert build_args(SimpleNamespace(incremental_funnels=False), path) == ["build"]
    assert build_args(SimpleNamespace(incremental_funnels=True), tmp_path / "absent.duckdb") == ["build"]
