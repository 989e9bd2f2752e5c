"""What the ad platforms *report* as conversions: orders claimed by a recent click, per click day.

Platforms attribute a purchase to the day of the click that led to it, not to the day of the
purchase, and they only learn of the purchase when it happens. So the reported conversions
of a click day keep growing for as long as the attribution window is open: a day loaded
yesterday is revised today. The emulator replays that with `as_of`: a conversion is visible
from the day of its order on. Each platform claims an order independently (last click of
its own within its window), so the platforms together may claim more orders than exist,
exactly as real ad accounts do.

Derived from a finished world, deterministic, and never changes the world itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sandbox.model import AdClick, Order
from sandbox.simulate import World

# Default click-through attribution windows: Google Ads 30 days, Meta 7-day click.
ATTRIBUTION_WINDOW_DAYS = {"google_ads": 30, "meta_ads": 7}


@dataclass(frozen=True, slots=True)
class PlatformConversion:
    platform: str
    campaign_id: str
    click_day: date  # the day the platform reports the conversion under
    order_day: date  # the day the platform learns of it (visible with as_of >= order_day)
    value: Decimal  # the order total in the shop currency
    order_id: int


def order_day(order: Order) -> date:
    return datetime.fromtimestamp(order.created_at_us / 1e6, UTC).date()


def platform_conversions(world: World) -> list[PlatformConversion]:
    """Every (platform, order) claim: the platform's last click by the buyer within its window."""
    clicks_by_person: dict[str, list[AdClick]] = defaultdict(list)
    for click in world.ad_clicks:
        if click.person is not None and click.session is not None:
            clicks_by_person[click.person.person_id].append(click)
    claims = []
    for order in world.orders:
        if order.test:
            continue
        ordered_us = order.created_at_us
        for platform, window_days in ATTRIBUTION_WINDOW_DAYS.items():
            window_start_us = ordered_us - window_days * 86_400_000_000
            eligible = [
                c
                for c in clicks_by_person.get(order.person.person_id, [])
                if c.platform == platform and window_start_us <= c.session.start_us <= ordered_us
            ]
            if eligible:
                last = max(eligible, key=lambda c: c.session.start_us)
                claims.append(
                    PlatformConversion(
                        platform,
                        last.campaign_id,
                        last.date_day,
                        order_day(order),
                        order.total,
                        order.order_id,
                    )
                )
    return claims


def reported(
    claims: list[PlatformConversion], as_of: date | None
) -> dict[tuple[str, str, date], tuple[int, Decimal]]:
    """(platform, campaign_id, click_day) -> (conversions, value) as the platform reports it on `as_of`."""
    totals: dict[tuple[str, str, date], tuple[int, Decimal]] = {}
    for claim in claims:
        if as_of is not None and claim.order_day > as_of:
            continue
        key = (claim.platform, claim.campaign_id, claim.click_day)
        count, value = totals.get(key, (0, Decimal("0")))
        totals[key] = (count + 1, value + claim.value)
    return totals


def days_until(day: date, as_of: date | None) -> bool:
    """True when `day` has happened by `as_of` (no as_of: everything has happened)."""
    return as_of is None or day <= as_of
