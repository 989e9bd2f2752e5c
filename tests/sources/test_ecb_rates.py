"""The ECB rates source against the sandbox's eurofxref-hist.zip: the real file format on 127.0.0.1."""

from datetime import date
from decimal import Decimal

import pytest

from sandbox.ecb_rates import COLUMNS, RETIRED, csv_text, reference_rates

pytestmark = pytest.mark.slow


def test_the_served_file_has_the_ecbs_layout():
    rates = {date(2026, 10, 23): {c: Decimal("1.5") for c in COLUMNS if c not in RETIRED}}
    rates[date(2026, 10, 22)] = rates[date(2026, 10, 23)]
    header, newest, older = csv_text(rates).splitlines()
    assert header.startswith("Date,USD,JPY,BGN,CYP,CZK,") and header.endswith(",ZAR,")
    assert newest.startswith("2026-10-23,1.5,") and ",N/A," in newest and newest.endswith(",")
    assert older.startswith("2026-10-22,")


def test_every_business_days_rate_is_loaded_once_and_reloading_adds_nothing(server, load, query, world):
    expected = {
        (day, currency): rate
        for day, quotes in reference_rates(world.spec).items()
        for currency, rate in quotes.items()
    }
    load("ecb_rates")
    load("ecb_rates")
    loaded = query("select rate_date, currency, units_per_euro from raw_ecb_rates.reference_rates")
    assert {(day, currency): rate for day, currency, rate in loaded} == expected
    assert len(loaded) == len(expected)
    assert not any(day.weekday() >= 5 for day, _ in expected)  # the ECB publishes no weekend rates
    assert server.count("eurofxref_hist") == 2
