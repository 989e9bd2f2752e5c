"""Spend in the reporting currency: the ECB rate of the account's day, carried over weekends, a fixed
override winning, exact cents, and a missing rate failing with the day and the currency pair named.

A small DuckDB file holds the inputs (staged ECB rates, the override seed, ad days, the reporting
settings), written by hand; dbt runs only the rate and conversion models and the check on it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.support.dbt import DbtFailed, run_dbt
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow

MODELS = ("int_currency_rates_daily", "int_ad_campaign_days_converted")
CHECK = "assert_every_ad_day_has_its_currency_rate"


def build(path: Path, ecb: list[tuple], overrides: list[tuple], ad_days: list[tuple]) -> None:
    with duckdb.connect(str(path)) as con:
        for schema in ("staging", "intermediate", "seeds"):
            con.execute(f"create schema if not exists {schema}")
        con.execute(
            "create or replace table staging.stg_ecb_rates__reference_rates "
            "(rate_date date, currency varchar, units_per_euro decimal(18, 6))"
        )
        if ecb:
            con.executemany("insert into staging.stg_ecb_rates__reference_rates values (?, ?, ?)", ecb)
        con.execute(
            "create or replace table seeds.currency_rate_overrides (currency varchar, valid_from date, "
            "valid_to date, units_per_euro decimal(18, 6), note varchar)"
        )
        if overrides:
            con.executemany(
                "insert into seeds.currency_rate_overrides values (?, ?, ?, ?, 'test')", overrides
            )
        con.execute(
            "create or replace table intermediate.int_reporting_settings as "
            "select 'Europe/Berlin' as time_zone, 'EUR' as currency"
        )
        con.execute(
            "create or replace table intermediate.int_ad_campaign_days_unioned (platform varchar, "
            "date_day date, account_id varchar, campaign_id varchar, campaign_name varchar, "
            "spend decimal(18, 6), currency varchar, "
            "account_time_zone varchar, impressions bigint, clicks bigint, platform_conversions double, "
            "platform_conversion_value decimal(18, 4))"
        )
        con.executemany(
            "insert into intermediate.int_ad_campaign_days_unioned values "
            "(?, ?, 'acc', 'c1', 'Campaign', ?, ?, 'America/New_York', 100, 10, 0, 0)",
            ad_days,
        )
    run_dbt("run", "--select", *MODELS, warehouse=path)


def converted(path: Path) -> dict[tuple[str, date], tuple[Decimal, float]]:
    found = rows(
        path,
        "select platform, date_day, spend, exchange_rate from intermediate.int_ad_campaign_days_converted",
    )
    return {(platform, day): (spend, rate) for platform, day, spend, rate in found}


def test_weekend_spend_takes_fridays_rate_an_override_wins_and_cents_round_half_up(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    build(
        path,
        ecb=[(date(2026, 10, 23), "USD", Decimal("1.1650")), (date(2026, 10, 26), "USD", Decimal("1.2000"))],
        overrides=[("GBP", date(2026, 10, 20), None, Decimal("0.800000"))],
        ad_days=[
            (
                "google_ads",
                date(2026, 10, 23),
                Decimal("12.345"),
                "USD",
            ),  # Friday: 12.345 / 1.165 = 10.5966 -> 10.60
            ("google_ads", date(2026, 10, 25), Decimal("23.30"), "USD"),  # Sunday: Friday's 1.165 -> 20.00
            (
                "google_ads",
                date(2026, 10, 26),
                Decimal("0.006"),
                "USD",
            ),  # 0.006 / 1.2 = 0.005: a tie, rounded up
            ("meta_ads", date(2026, 10, 24), Decimal("10.00"), "GBP"),  # fixed 0.80 GBP per EUR -> 12.50
            ("meta_ads", date(2026, 10, 25), Decimal("7.77"), "EUR"),  # already EUR: as is
        ],
    )
    result = converted(path)
    assert result[("google_ads", date(2026, 10, 23))][0] == Decimal("10.60")
    assert result[("google_ads", date(2026, 10, 25))] == (Decimal("20.00"), pytest.approx(1 / 1.165))
    assert result[("google_ads", date(2026, 10, 26))][0] == Decimal("0.01")
    assert result[("meta_ads", date(2026, 10, 24))][0] == Decimal("12.50")
    assert result[("meta_ads", date(2026, 10, 25))] == (Decimal("7.77"), 1.0)
    run_dbt("test", "--select", CHECK, warehouse=path)  # every day has its rate: the check passes


def test_a_million_and_more_converts_to_the_cent(tmp_path):
    """A day's spend in yen or won runs into millions; the micro-units used for exact cents must not
    overflow (DuckDB refused DECIMAL(18) multiplication from 1,000,000 up)."""
    path = tmp_path / "warehouse.duckdb"
    build(
        path,
        ecb=[(date(2026, 10, 23), "JPY", Decimal("160.500000"))],
        overrides=[],
        ad_days=[("google_ads", date(2026, 10, 23), Decimal("2500000.000000"), "JPY")],  # 15576.3239...
    )
    assert converted(path)[("google_ads", date(2026, 10, 23))][0] == Decimal("15576.32")


def test_a_missing_rate_fails_the_check_naming_the_day_and_the_currency_pair(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    build(
        path,
        ecb=[(date(2026, 10, 23), "USD", Decimal("1.1650"))],
        overrides=[],
        ad_days=[
            ("google_ads", date(2026, 10, 27), Decimal("5.00"), "USD"),  # 4 days after Friday: still carried
            ("google_ads", date(2026, 10, 28), Decimal("5.00"), "USD"),  # 5 days: the ECB has not published
            ("meta_ads", date(2026, 10, 23), Decimal("5.00"), "GBP"),  # never quoted
        ],
    )
    assert converted(path)[("google_ads", date(2026, 10, 27))][0] == Decimal("4.29")
    with pytest.raises(DbtFailed) as failure:
        run_dbt("test", "--select", CHECK, warehouse=path)
    message = str(failure.value)
    assert "no exchange rate for GBP->EUR on 2026-10-23, USD->EUR on 2026-10-28" in message
    assert "currency_rate_overrides.csv" in message
