"""Daily partitions are reporting days: the catalog's time zone decides when a day is done, and a
window's recompute reaches back far enough for any zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from orchestration.partitions import dbt_window_vars, reporting_days
from tests.support.environment import environment


@pytest.fixture
def catalog_in(tmp_path):
    """Point CONVERSIONS_CONFIG at a copy of the shipped catalog with another reporting zone."""
    from microfunnel.settings import PROJECT_ROOT

    shipped = (PROJECT_ROOT / "conversions.yml").read_text()

    def use(zone: str | None):
        text = shipped.replace(
            "time_zone: Europe/Berlin", f"time_zone: {zone}" if zone else "time_zone: null"
        )
        path = tmp_path / "conversions.yml"
        path.write_text(text)
        return environment({"CONVERSIONS_CONFIG": str(path), "MICROFUNNEL_FIRST_EXPORT_DAY": "2026-10-01"})

    yield use


def test_the_shipped_catalog_names_the_zone_the_tests_replace():
    from microfunnel.settings import PROJECT_ROOT

    assert "time_zone: Europe/Berlin" in (PROJECT_ROOT / "conversions.yml").read_text()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/Los_Angeles", "Europe/Berlin"])
def test_a_day_is_a_partition_once_it_has_ended_in_the_reporting_zone(catalog_in, zone):
    with catalog_in(zone):
        days = reporting_days()
        assert days.timezone == zone
        # 23:30 on 2026-10-05 in the zone: 10-05 is still running, 10-04 is the last whole day
        now = datetime(2026, 10, 5, 23, 30, tzinfo=ZoneInfo(zone))
        assert days.get_partition_keys(current_time=now) == [
            "2026-10-01",
            "2026-10-02",
            "2026-10-03",
            "2026-10-04",
        ]
        # ten minutes after the zone's midnight, 10-05 is done
        after_midnight = datetime(2026, 10, 6, 0, 10, tzinfo=ZoneInfo(zone))
        assert days.get_partition_keys(current_time=after_midnight)[-1] == "2026-10-05"


def test_without_a_reporting_zone_the_partitions_are_utc_days(catalog_in):
    with catalog_in(None):
        assert reporting_days().timezone == "UTC"


def test_a_windows_recompute_starts_before_the_first_local_day_in_any_zone():
    since = dbt_window_vars(("2026-10-05", "2026-10-07"))["microfunnel__funnel_recompute_since"]
    earliest_local_midnight = datetime(2026, 10, 5, tzinfo=ZoneInfo("Pacific/Kiritimati"))  # UTC+14
    assert datetime.fromisoformat(since + "+00:00") <= earliest_local_midnight
    assert dbt_window_vars(None) == {}


def test_the_partitions_follow_the_first_export_day_a_process_is_given_now():
    """Not cached per process: a later shop (or test) in the same process gets its own first day."""
    with environment({"MICROFUNNEL_FIRST_EXPORT_DAY": "2026-10-05"}):
        assert reporting_days().start.date().isoformat() == "2026-10-05"
    with environment({"MICROFUNNEL_FIRST_EXPORT_DAY": "2026-10-01"}):
        assert reporting_days().start.date().isoformat() == "2026-10-01"
