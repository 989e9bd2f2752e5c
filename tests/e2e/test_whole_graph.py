"""The whole graph on a small sandbox world, measured against the world's ground truth."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date

import pytest
from dagster import AssetKey

from microfunnel.conversions import load_catalog
from microfunnel.settings import PROJECT_ROOT
from sandbox.ecb_rates import rate_on, reference_rates
from sandbox.truth_funnels import funnel_truth
from sandbox.truth_money import (
    first_purchases_by_campaign,
    order_days,
    orders_by_day,
    session_days,
    spend_by_day,
)
from tests.support.warehouse import rows, scalar, table_names

pytestmark = pytest.mark.slow

CHECK_MARTS = PROJECT_ROOT.parent / "shared" / "contract" / "check_marts.py"


def test_the_asset_graph_is_connected_from_raw_tables_to_the_serving_snapshot(e2e_defs):
    graph = e2e_defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    unproduced = [k for k in keys if not graph.get(k).is_materializable]
    assert not unproduced, f"dbt sources without a dlt asset feeding them: {unproduced}"
    raw = {k for k in keys if k.path[0].startswith("raw_")}
    assert {k.path[0] for k in raw} >= {"raw_ga4", "raw_config"}
    seeds = {k for k in keys if k.path[0] == "seeds"}  # reference data in the repo (dbt seeds) are roots too
    for key in keys - raw - seeds:
        assert graph.get(key).parent_keys, f"{key.to_user_string()} has no upstream"
    marts = {k for k in keys if k.path[0] == "marts"}
    assert marts and marts <= graph.get(AssetKey(["serving", "snapshot"])).parent_keys


def test_dbt_tests_are_loaded_as_asset_checks(e2e_defs):
    checks = list(e2e_defs.resolve_asset_graph().asset_check_keys)
    assert any(check.asset_key.path == ["marts", "fct_sessions"] for check in checks)


def test_funnel_steps_equal_the_ground_truth_exactly(e2e_run):
    settings, world = e2e_run
    catalog = load_catalog(settings.conversions_config)
    steps = rows(
        settings.warehouse_path,
        "select funnel_name, step_index, count(distinct person_id) from marts.fct_funnel_steps group by 1, 2",
    )
    measured = {(funnel, step): persons for funnel, step, persons in steps}
    for funnel in catalog.funnels:
        truth = funnel_truth(world, catalog, funnel)
        expected = Counter()
        for result in truth.values():
            for step in range(1, result.steps_reached + 1):
                expected[(funnel.name, step)] += 1
        got = {k: v for k, v in measured.items() if k[0] == funnel.name}
        assert got == dict(expected), f"funnel {funnel.name}"


def test_the_serving_snapshot_holds_every_mart_and_matches_the_public_contract(e2e_run):
    settings, _ = e2e_run
    required = [
        "dim_persons",
        "dim_person_identifiers",
        "fct_sessions",
        "fct_micro_conversions",
        "fct_funnel_steps",
        "fct_funnel_daily",
        "fct_orders",
        "fct_attribution",
        "fct_campaign_performance_daily",
        "fct_micro_conversion_impact",
    ]
    completed = subprocess.run(
        [sys.executable, str(CHECK_MARTS), str(settings.serving_path), "--require", *required],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout
    built = table_names(settings.warehouse_path, "marts")
    served = table_names(settings.serving_path, "marts")
    assert served == built


@pytest.mark.parametrize("table", ["fct_sessions", "fct_micro_conversions"])
def test_every_fact_row_has_a_person(e2e_run, table):
    settings, _ = e2e_run
    assert scalar(settings.warehouse_path, f"select count(*) from marts.{table} where person_id is null") == 0


def test_the_demo_summary_and_report_read_the_published_marts(e2e_run, capsys):
    from commands.report import write_report
    from commands.summary import print_summary

    settings, world = e2e_run
    print_summary(settings, world)
    summary = capsys.readouterr().out
    assert "fct_funnel_steps" in summary and "1. session_start" in summary
    assert "identity vs ground truth: pairwise precision 1.0000" in summary
    report = write_report(settings.serving_path, settings.serving_path.with_name("report.html")).read_text()
    assert all(part in report for part in ("<h2>Funnels</h2>", "Which micro-steps matter", "Campaigns"))


def test_every_order_and_session_is_on_its_local_day_in_the_reporting_zone(e2e_run):
    settings, world = e2e_run
    path = settings.warehouse_path
    zone = rows(path, "select time_zone, time_zone_origin from intermediate.int_reporting_settings")
    assert zone == [("Europe/Berlin", "conversions.yml")]
    assert dict(rows(path, "select order_id, date_day from marts.fct_orders")) == order_days(world)
    sessions = rows(path, "select anonymous_id, session_id, date_day from marts.fct_sessions")
    measured = {(cookie, int(session_id.rsplit("-", 1)[1])): day for cookie, session_id, day in sessions}
    assert measured == session_days(world)


def test_orders_and_revenue_per_local_day_equal_the_truth_across_the_dst_change(e2e_run):
    settings, world = e2e_run
    found = rows(
        settings.warehouse_path, "select date_day, count(*), sum(revenue) from marts.fct_orders group by 1"
    )
    measured = {day: (n, revenue) for day, n, revenue in found}
    assert measured == orders_by_day(world)
    assert date(2026, 10, 25) in measured  # the 25-hour day


def test_spend_per_platform_and_account_day_equals_the_truth_to_the_cent_in_both_currencies(e2e_run):
    settings, world = e2e_run
    rates = reference_rates(world.spec)
    truth = spend_by_day(world, lambda currency, day: rate_on(rates, currency, day))
    found = rows(
        settings.warehouse_path,
        "select platform, date_day, sum(spend_in_account_currency), sum(spend), "
        "any_value(reporting_currency) from marts.fct_campaign_performance_daily group by 1, 2",
    )
    assert {(p, d): (a, r) for p, d, a, r, _ in found if a or r} == {k: v for k, v in truth.items() if any(v)}
    assert {currency for *_, currency in found} == {"EUR"}
    accounts = rows(
        settings.warehouse_path,
        "select distinct platform, account_currency, account_time_zone "
        "from marts.fct_campaign_performance_daily where account_currency is not null order by 1",
    )
    assert accounts == [("google_ads", "USD", "America/New_York"), ("meta_ads", "GBP", "Europe/London")]


def test_the_campaign_that_drove_the_most_first_purchases_ranks_first_under_last_non_direct(e2e_run):
    settings, world = e2e_run
    truth = first_purchases_by_campaign(world)
    found = rows(
        settings.warehouse_path,
        "select platform, campaign_id, sum(new_customers) from marts.fct_campaign_performance_daily "
        "group by 1, 2 order by 3 desc, 1, 2",
    )
    assert found and found[0][:2] in {key for key, n in truth.items() if n == max(truth.values())}
    assert {(p, c): n for p, c, n in found if n} == pytest.approx(truth)
