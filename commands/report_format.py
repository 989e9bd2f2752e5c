"""Numbers as a marketer reads them: money with the reporting currency, thousands, percentages,
durations, ratios. The report's hover texts, axes and tables all go through these, so a number
reads the same wherever it appears."""

from __future__ import annotations

from decimal import Decimal

# Currencies written before the amount; any other ISO code follows it ("1,234.00 CHF").
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}
DASH = "–"


def money(value: float | Decimal | None, currency: str) -> str:
    """`€1,234.50`, `-€12.00`, `1,234.50 CHF`; a dash for no value."""
    if value is None:
        return DASH
    amount = float(value)
    sign, digits = ("-" if amount < 0 else ""), f"{abs(amount):,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}"


def money_axis(currency: str) -> dict:
    """Plotly axis settings that print money ticks like `money` does (symbol before, or code after)."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    affix = {"tickprefix": symbol} if symbol else {"ticksuffix": f" {currency}"}
    return {"tickformat": ",.0f", **affix}


def count(value: int | float | Decimal | None) -> str:
    """`12,345` (fractions of orders, as attribution credits them, keep one decimal: `12.5`)."""
    if value is None:
        return DASH
    number = float(value)
    return f"{number:,.0f}" if number == round(number) else f"{number:,.1f}"


def percent(value: float | Decimal | None, digits: int = 1) -> str:
    """A share as `12.3%` (0.123 -> 12.3%)."""
    return DASH if value is None else f"{float(value):.{digits}%}"


def ratio(value: float | Decimal | None) -> str:
    """A multiplier (lift, ROAS) as `2.35×`; large ones without decimals (`1,638×`)."""
    if value is None:
        return DASH
    number = float(value)
    return f"{number:,.0f}×" if abs(number) >= 100 else f"{number:,.2f}×"


def duration(seconds: float | int | None) -> str:
    """`45 s`, `12 min`, `5.5 h`, `3.2 days`: the largest unit that keeps the number readable."""
    if seconds is None:
        return DASH
    value = float(seconds)
    for limit, unit, size in ((90, "s", 1), (90 * 60, "min", 60), (48 * 3600, "h", 3600)):
        if value < limit:
            return f"{_trim(value / size)} {unit}"
    return f"{_trim(value / 86400)} days"


def _trim(number: float) -> str:
    """One decimal below 10 (`5.5`), none above (`45`); never `5.0`."""
    text = f"{number:.1f}" if number < 10 else f"{number:,.0f}"
    return text.removesuffix(".0")
