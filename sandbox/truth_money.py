"""Ground truth in the reporting clock and currency: local days of orders and sessions, and
spend per platform and day in the account's currency (and, given rates, in the reporting one).

The reporting zone and currency are the shop's (the sandbox's conversions.yml says the same).
Ad platforms report whole days in their account's zone, so spend stays on the account's day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sandbox import catalog
from sandbox.clocks import local_date
from sandbox.simulate import World

REPORTING_TIME_ZONE = catalog.SHOP_TIME_ZONE
REPORTING_CURRENCY = catalog.SHOP_CURRENCY
CENT = Decimal("0.01")


def order_revenue(order) -> Decimal:
    """What the shop keeps: the total less refunds, 0 for a cancelled order (fct_orders.revenue)."""
    if order.cancelled_at_us is not None:
        return Decimal("0")
    return order.total - sum((r.amount for r in order.refunds), Decimal("0"))


def order_days(world: World) -> dict[int, date]:
    """Every real (non-test) order's local day in the reporting zone, by order id."""
    return {o.order_id: local_date(o.created_at_us, REPORTING_TIME_ZONE) for o in world.orders if not o.test}


def orders_by_day(world: World) -> dict[date, tuple[int, Decimal]]:
    """(orders, revenue) per local reporting day."""
    out: dict[date, list] = defaultdict(lambda: [0, Decimal("0")])
    for order in world.orders:
        if order.test:
            continue
        day = local_date(order.created_at_us, REPORTING_TIME_ZONE)
        out[day][0] += 1
        out[day][1] += order_revenue(order)
    return {day: (n, revenue) for day, (n, revenue) in out.items()}


def session_days(world: World) -> dict[tuple[str, int], date]:
    """Every session's local reporting day (the day it started), by (cookie, ga_session_id)."""
    return {
        (s.device.cookie, s.ga_session_id): local_date(s.start_us, REPORTING_TIME_ZONE)
        for s in world.sessions
    }


def spend_by_day(
    world: World, rate: Callable[[str, date], Decimal] | None = None
) -> dict[tuple[str, date], tuple[Decimal, Decimal | None]]:
    """(spend in the account currency, spend in the reporting currency) per platform and account day.

    `rate(currency, day)` is units of `currency` per 1 EUR on that day (the ECB's quote). Each
    campaign day is converted and rounded to the cent on its own, then summed, as the warehouse does.
    """
    out: dict[tuple[str, date], list] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for stat in world.campaign_days:
        account = Decimal(stat.cost_micros) / 1_000_000
        cell = out[(stat.platform, stat.date_day)]
        cell[0] += account
        if rate is not None:
            currency = catalog.AD_ACCOUNT_CLOCKS[stat.platform][1]
            cell[1] += convert(account, currency, stat.date_day, rate)
    return {key: (a, r if rate is not None else None) for key, (a, r) in out.items()}


def convert(amount: Decimal, currency: str, day: date, rate: Callable[[str, date], Decimal]) -> Decimal:
    """`amount` in `currency` as reporting currency (EUR-based cross rate), rounded half up to the cent."""
    if currency == REPORTING_CURRENCY:
        return amount.quantize(CENT, ROUND_HALF_UP)
    in_eur = amount / rate(currency, day)
    if REPORTING_CURRENCY != "EUR":
        in_eur *= rate(REPORTING_CURRENCY, day)
    return in_eur.quantize(CENT, ROUND_HALF_UP)


def first_purchases_by_campaign(world: World, lookback_days: int = 30) -> dict[tuple[str, str], int]:
    """{(platform, campaign_id): first purchases it truly drove}: for each buyer's first order that was not
    cancelled, the campaign of the buyer's last non-direct session in the `lookback_days` before it (the
    true person's sessions, whatever device: what last-non-direct attribution means, seen by the world)."""
    sessions_of: dict[str, list] = defaultdict(list)
    for session in world.sessions:
        sessions_of[session.person.person_id].append(session)
    first_orders: dict[str, object] = {}
    for order in sorted(world.orders, key=lambda o: (o.created_at_us, o.order_id)):
        if order.test or order.cancelled_at_us is not None:
            continue
        first_orders.setdefault(order.person.person_id, order)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for person_id, order in first_orders.items():
        window_start = order.created_at_us - lookback_days * 86_400_000_000
        touches = sorted(
            (s for s in sessions_of[person_id] if window_start <= s.start_us <= order.created_at_us),
            key=lambda s: s.start_us,
        )
        non_direct = [s for s in touches if s.traffic.source != "(direct)"]
        chosen = (non_direct or touches or [None])[-1]
        if chosen is None:
            continue
        platform = "google_ads" if chosen.traffic.gclid else "meta_ads" if chosen.traffic.fbclid else None
        if platform and chosen.traffic.campaign_id:
            counts[(platform, chosen.traffic.campaign_id)] += 1
    return dict(counts)
