"""The sandbox is honest about clocks: each vendor buckets days in its own zone, across a DST change."""

import json
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from sandbox import catalog
from sandbox.clocks import day_hours, local_date
from sandbox.ga4_export import export_lines
from sandbox.simulate import WorldSpec, simulate
from sandbox.truth_money import order_days, session_days

SPEC = WorldSpec(seed=5, persons=300, days=6, start_date=date(2026, 10, 23))  # crosses Sunday 25 October


@pytest.fixture(scope="module")
def world():
    return simulate(SPEC)


def us(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1_000_000)


def test_the_default_and_test_worlds_cross_the_october_dst_change():
    default = WorldSpec()
    assert default.start_date <= date(2026, 10, 25) <= default.end_date
    assert SPEC.start_date <= date(2026, 10, 25) <= SPEC.end_date
    assert day_hours(date(2026, 10, 25), "Europe/Berlin") == 25
    assert day_hours(date(2026, 10, 25), "Europe/London") == 25
    assert day_hours(date(2026, 3, 29), "Europe/Berlin") == 23
    assert day_hours(date(2026, 10, 26), "Europe/Berlin") == 24


def test_a_moment_has_a_different_date_on_each_vendors_clock():
    moment = us("2026-10-24 22:30:00")  # Berlin 00:30 on the 25th (UTC+2), London 23:30, New York 18:30
    assert local_date(moment, catalog.GA4_PROPERTY_TIME_ZONE) == date(2026, 10, 25)
    assert local_date(moment, catalog.META_TIME_ZONE) == date(2026, 10, 24)
    assert local_date(moment, catalog.GOOGLE_ADS_TIME_ZONE) == date(2026, 10, 24)
    after_dst = us("2026-10-26 23:30:00")  # Berlin is UTC+1 now: 00:30 on the 27th
    assert local_date(after_dst, catalog.GA4_PROPERTY_TIME_ZONE) == date(2026, 10, 27)


def test_ga4_event_dates_and_day_files_split_at_berlin_midnight(world):
    for day, lines in export_lines(world).items():
        dates = {json.loads(line)["event_date"] for line in lines}
        assert dates == {f"{day:%Y%m%d}"}
    assert all(e.event_date == local_date(e.ts_us, "Europe/Berlin") for e in world.events)
    near_midnight = [e for e in world.events if datetime.fromtimestamp(e.ts_us / 1e6, UTC).hour >= 22]
    assert any(e.event_date != datetime.fromtimestamp(e.ts_us / 1e6, UTC).date() for e in near_midnight)


def test_ad_clicks_and_campaign_days_are_on_each_accounts_own_day(world):
    for click in world.ad_clicks:
        if click.session is not None:
            zone = catalog.AD_ACCOUNT_CLOCKS[click.platform][0]
            assert click.date_day == local_date(click.session.start_us, zone)
    stats = {(d.platform, d.campaign_id, d.date_day): d.clicks for d in world.campaign_days}
    clicks = Counter((c.platform, c.campaign_id, c.date_day) for c in world.ad_clicks)
    assert clicks == Counter({key: n for key, n in stats.items() if n})
    google_days = {d.date_day for d in world.campaign_days if d.platform == "google_ads"}
    assert min(google_days) == date(2026, 10, 22)  # New York is still on the 22nd when the world starts


def test_the_truth_gives_every_order_and_session_its_berlin_day(world):
    days = order_days(world)
    assert len(days) == sum(1 for o in world.orders if not o.test)
    for order in world.orders:
        if not order.test:
            assert days[order.order_id] == local_date(order.created_at_us, "Europe/Berlin")
    sessions = session_days(world)
    assert len(sessions) == len(world.sessions)
    assert date(2026, 10, 25) in set(sessions.values())


@pytest.mark.parametrize(
    "zone",
    # whole-hour, half-hour and 45-minute offsets, north and south of the equator, each with or without DST
    [
        "Europe/Berlin",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Australia/Adelaide",
        "Asia/Kathmandu",
        "America/St_Johns",
        "Pacific/Chatham",
        "UTC",
    ],
)
def test_the_date_per_quarter_hour_is_the_date_of_every_moment_in_it(zone):
    """local_date converts once per UTC quarter hour: the same date as converting each moment, on
    every minute either side of each local midnight and DST change of 2026, and at random moments."""
    from random import Random
    from zoneinfo import ZoneInfo

    def direct(ts_us: int) -> date:
        return datetime.fromtimestamp(ts_us / 1e6, UTC).astimezone(ZoneInfo(zone)).date()

    year_start, year_end = us("2026-01-01T00:00:00"), us("2027-01-01T00:00:00")
    minute = 60_000_000
    moments = [
        year_start + m * minute + s
        for m in range(0, (year_end - year_start) // minute, 15)
        for s in (-1, 0, 1)
    ]
    moments += Random(zone).sample(range(year_start, year_end), 20_000)
    assert [local_date(ts, zone) for ts in moments] == [direct(ts) for ts in moments]
