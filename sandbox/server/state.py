"""What one emulator serves: a world seen as of a day, the credentials it accepts, its rate limits.

`as_of` replays time: the APIs answer as the vendors would have on that day (ad stats up to
it, conversions learnt by it, orders placed and refunds made by it), so a test can load,
move the day on, and load again to see revisions arrive.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from sandbox import catalog
from sandbox.ad_conversions import PlatformConversion, platform_conversions
from sandbox.model import AdClick, CampaignDay, Order
from sandbox.simulate import World


def _token(prefix: str, length: int = 24) -> str:
    return prefix + secrets.token_hex(length // 2)


@dataclass(frozen=True)
class Credentials:
    """What the emulator accepts; random per server unless given, so nothing can hard-code them."""

    google_client_id: str = field(default_factory=lambda: _token("sandbox-") + ".apps.googleusercontent.com")
    google_client_secret: str = field(default_factory=lambda: _token("GOCSPX-"))
    google_refresh_token: str = field(default_factory=lambda: _token("1//sandbox-", 32))
    google_developer_token: str = field(default_factory=lambda: _token("dev", 22))
    google_customer_id: str = catalog.GOOGLE_ADS_CUSTOMER_ID
    google_login_customer_id: str | None = None  # set it to require a manager (MCC) id header
    meta_access_token: str = field(default_factory=lambda: _token("EAAB", 40))
    meta_account_id: str = catalog.META_AD_ACCOUNT_ID
    shopify_access_token: str = field(default_factory=lambda: _token("shpat_", 32))
    klaviyo_api_key: str = field(default_factory=lambda: _token("pk_", 34))  # a private API key


@dataclass(frozen=True)
class Limits:
    """Rate limits and page sizes; the defaults never throttle a normal load of a demo world."""

    google_batch_rows: int = 10_000  # rows per searchStream batch
    google_requests_per_second: float = 0  # 0: unlimited; else 429 RESOURCE_EXHAUSTED beyond it
    meta_calls_per_minute: int = 0  # 0: unlimited; else code 80000 once exceeded
    meta_max_page_size: int = 500
    # Shopify's cost bucket, on an emulated plan above any real one (Standard restores 100 points/s,
    # Plus 1000): the demo world's whole load (~29,000 points) fits the bucket, where at 1000 points/s
    # it waited 24 s. tests/sources/test_shopify_cost_bucket.py sets a small bucket to exercise it.
    shopify_bucket_size: float = 50_000.0
    shopify_restore_rate: float = 10_000.0  # points per second
    shopify_max_query_cost: int = 1000  # a single query may cost at most this (MAX_COST_EXCEEDED)
    shopify_max_page_size: int = 250


class ServerState:
    """The world as of a day, plus the mutable vendor-side state (tokens, buckets, counters)."""

    def __init__(self, world: World, as_of: date | None, credentials: Credentials, limits: Limits):
        self.world = world
        self.as_of = as_of
        self.credentials = credentials
        self.limits = limits
        self.google_tokens: dict[str, float] = {}
        self.lock = threading.Lock()
        self._google_window: list[float] = []
        self._meta_calls: list[float] = []
        self._shopify_level = limits.shopify_bucket_size
        self._shopify_at = time.monotonic()
        self._cache: dict[tuple, Any] = {}

    def memo(self, name: str, compute: Callable[[World], object]) -> object:
        """A value derived from the world alone (the same whatever as_of)."""
        key = (name, None, "world")
        if key not in self._cache:
            self._cache[key] = compute(self.world)
        return self._cache[key]

    def cached(self, name: str, render: Callable[[ServerState], list]) -> list:
        """Rendered records per (name, as_of): a world never changes, only the day it is seen on."""
        key = (name, self.as_of)
        if key not in self._cache:
            self._cache[key] = render(self)
        return list(self._cache[key])

    @property
    def as_of_or_end(self) -> date:
        return self.as_of or self.world.spec.end_date

    @property
    def last_account_day(self) -> date:
        """The ad platforms' "today": as_of, or the last day any account's clock reaches."""
        return self.as_of or self.world.spec.last_account_day

    def visible_day(self, day: date) -> bool:
        return self.as_of is None or day <= self.as_of

    def visible_us(self, ts_us: int | None) -> bool:
        """A moment has happened by as_of (the whole as_of day counts)."""
        if ts_us is None:
            return False
        return self.as_of is None or datetime.fromtimestamp(ts_us / 1e6, UTC).date() <= self.as_of

    @cached_property
    def conversions(self) -> list[PlatformConversion]:
        return platform_conversions(self.world)

    def campaign_days(self, platform: str) -> list[CampaignDay]:
        return [
            d for d in self.world.campaign_days if d.platform == platform and self.visible_day(d.date_day)
        ]

    def ad_clicks(self, platform: str) -> list[AdClick]:
        return [c for c in self.world.ad_clicks if c.platform == platform and self.visible_day(c.date_day)]

    def orders(self) -> list[Order]:
        return [o for o in self.world.orders if self.visible_us(o.created_at_us)]

    def take_google_quota(self) -> bool:
        """A one-second sliding window of searchStream calls."""
        with self.lock:
            now = time.monotonic()
            self._google_window = [t for t in self._google_window if now - t < 1.0]
            if len(self._google_window) >= self.limits.google_requests_per_second:
                return False
            self._google_window.append(now)
            return True

    def meta_usage(self) -> tuple[bool, int]:
        """Count one Meta call; (allowed, percent of the per-minute quota used)."""
        with self.lock:
            now = time.monotonic()
            self._meta_calls = [t for t in self._meta_calls if now - t < 60.0] + [now]
            quota = self.limits.meta_calls_per_minute
            if not quota:
                return True, 1
            percent = int(100 * len(self._meta_calls) / quota)
            return len(self._meta_calls) <= quota, percent

    def shopify_spend(self, requested: int) -> tuple[bool, float]:
        """Leaky bucket: take `requested` points if available; return (ok, points available after)."""
        with self.lock:
            now = time.monotonic()
            self._shopify_level = min(
                self.limits.shopify_bucket_size,
                self._shopify_level + (now - self._shopify_at) * self.limits.shopify_restore_rate,
            )
            self._shopify_at = now
            if requested > self._shopify_level:
                return False, self._shopify_level
            self._shopify_level -= requested
            return True, self._shopify_level

    def shopify_refund(self, points: float) -> float:
        """Give back what a query was charged beyond its actual cost, as Shopify does."""
        with self.lock:
            self._shopify_level = min(self.limits.shopify_bucket_size, self._shopify_level + points)
            return self._shopify_level
