"""The ECB's euro foreign exchange reference rates for the simulated days, in the real file format.

`eurofxref-hist.zip` holds `eurofxref-hist.csv`: a header `Date,USD,JPY,...,ZAR,` (the trailing comma
is the ECB's), then one row per TARGET business day, newest first, each rate the units of that
currency per 1 EUR, `N/A` for currencies no longer quoted. No row on weekends and TARGET holidays:
those days take the previous business day's rate. The sandbox's rates are a seeded random walk
around realistic levels, so the ground truth can convert spend exactly as the warehouse must.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date, timedelta
from decimal import Decimal

from sandbox.simulate import WorldSpec

ARCHIVE_MEMBER = "eurofxref-hist.csv"
# The real file's columns, in its order; retired currencies stay as N/A columns.
COLUMNS = (
    "USD JPY BGN CYP CZK DKK EEK GBP HUF LTL LVL MTL PLN ROL RON SEK SIT SKK CHF ISK NOK HRK RUB TRL TRY "
    "AUD BRL CAD CNY HKD IDR ILS INR KRW MXN MYR NZD PHP SGD THB ZAR"
).split()
RETIRED = frozenset("CYP EEK LTL LVL MTL ROL SIT SKK TRL HRK RUB".split())
# (level in late 2026, decimals the ECB publishes)
LEVELS = {
    "USD": ("1.1650", 4), "JPY": ("172.40", 2), "BGN": ("1.9558", 4), "CZK": ("24.320", 3),
    "DKK": ("7.4640", 4), "GBP": ("0.86850", 5), "HUF": ("389.50", 2), "PLN": ("4.2580", 4),
    "RON": ("5.0780", 4), "SEK": ("10.9850", 4), "CHF": ("0.93450", 5), "ISK": ("142.70", 2),
    "NOK": ("11.7250", 4), "TRY": ("48.1230", 4), "AUD": ("1.7710", 4), "BRL": ("6.2740", 4),
    "CAD": ("1.6120", 4), "CNY": ("8.3150", 4), "HKD": ("9.0640", 4), "IDR": ("19350.20", 2),
    "ILS": ("3.9080", 4), "INR": ("102.4560", 4), "KRW": ("1628.45", 2), "MXN": ("21.6830", 4),
    "MYR": ("4.9210", 4), "NZD": ("2.0150", 4), "PHP": ("67.345", 3), "SGD": ("1.5020", 4),
    "THB": ("37.812", 3), "ZAR": ("20.3410", 4),
}  # fmt: skip


def target_holidays(year: int) -> set[date]:
    """TARGET2 closing days: New Year, Good Friday, Easter Monday, 1 May, 25 and 26 December."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    easter = date(year, month, day + 1)
    return {
        date(year, 1, 1),
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        date(year, 5, 1),
        date(year, 12, 25),
        date(year, 12, 26),
    }


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in target_holidays(day.year)


def reference_rates(spec: WorldSpec) -> dict[date, dict[str, Decimal]]:
    """{business day: {currency: units per EUR}} from two weeks before the world to its last account day."""
    rng = random.Random(f"{spec.seed}:ecb")
    first = spec.first_account_day - timedelta(days=14)
    level = {ccy: Decimal(text) for ccy, (text, _) in LEVELS.items()}
    out: dict[date, dict[str, Decimal]] = {}
    day = first
    while day <= spec.last_account_day:
        if is_business_day(day):
            quotes = {}
            for ccy, (_, decimals) in LEVELS.items():
                level[ccy] *= Decimal(str(1 + rng.gauss(0, 0.003)))
                quotes[ccy] = level[ccy].quantize(Decimal(1).scaleb(-decimals))
            out[day] = quotes
        day += timedelta(days=1)
    return out


def rate_on(rates: dict[date, dict[str, Decimal]], currency: str, day: date) -> Decimal:
    """Units of `currency` per EUR on `day`: the latest business day's rate on or before it."""
    if currency == "EUR":
        return Decimal(1)
    quoted = max(d for d in rates if d <= day)
    return rates[quoted][currency]


def csv_text(rates: dict[date, dict[str, Decimal]]) -> str:
    lines = ["Date," + ",".join(COLUMNS) + ","]
    for day in sorted(rates, reverse=True):
        cells = ["N/A" if ccy in RETIRED else f"{rates[day][ccy]:f}" for ccy in COLUMNS]
        lines.append(f"{day.isoformat()}," + ",".join(cells) + ",")
    return "\n".join(lines) + "\n"


def archive(rates: dict[date, dict[str, Decimal]]) -> bytes:
    """`eurofxref-hist.zip` as the ECB serves it (one CSV member), byte for byte the same per spec."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        info = zipfile.ZipInfo(ARCHIVE_MEMBER, date_time=(2026, 1, 1, 16, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zipped.writestr(info, csv_text(rates))
    return buffer.getvalue()
