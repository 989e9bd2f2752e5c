"""dbt unit tests that need no warehouse (tagged `warehouse_free`: every input given as SQL).

The other dbt unit tests read their inputs' columns from built relations: every unit test runs on
a copy of the whole graph's warehouse (tests/e2e/test_whole_graph.py); these also run here, in
seconds, against an empty DuckDB file.
"""

import pytest

from tests.support.dbt import run_dbt

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def unit_test_output(tmp_path_factory) -> str:
    """Every warehouse-free unit test in one dbt run on an empty DuckDB file."""
    root = tmp_path_factory.mktemp("dbt_unit")
    run = run_dbt("test", "--select", "test_type:unit,tag:warehouse_free", warehouse=root / "empty.duckdb")
    return run.stdout


UNIT_TESTS = [
    "every_ga4_default_channel_group_is_assigned_by_googles_rules_in_googles_order",
    # Regression: Google Ads sessions had no campaign_id in fct_sessions.
    "a_google_ads_session_gets_its_campaign_from_click_view",
    # Regression: fct_funnel_daily / fct_funnel_trends ran one day past the data.
    "a_funnel_entered_after_midnight_in_a_session_of_the_day_before_counts_on_that_day",
    "a_session_crossing_local_midnight_stays_one_session_on_the_day_it_started",
    "conversions_yml_wins_over_the_shop_for_the_reporting_clock_and_currency",
    "without_a_setting_or_a_shop_the_reporting_clock_is_utc_and_the_currency_eur",
]


@pytest.mark.parametrize("name", UNIT_TESTS)
def test_the_warehouse_free_dbt_unit_test_passes(unit_test_output, name):
    lines = [line for line in unit_test_output.splitlines() if f"::{name} " in line]
    assert any(" PASS " in line for line in lines), unit_test_output[-6000:]
