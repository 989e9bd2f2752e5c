"""Daily partitions by reporting day, and the day window a run covers.

GA4 ingestion and the day-grained marts are partitioned by day from the first export day
(MICROFUNNEL_FIRST_EXPORT_DAY). A backfill of a date range runs as one run
(BackfillPolicy.single_run): its window goes to dlt (the GA4 files of those days) and to dbt
(vars), so the person-grained models recompute exactly the persons the window touched.
`microfunnel run` without `--days` covers every day (Dagster records checks of partitioned
assets only in a partitioned run) but is tagged incremental: the sources read from their cursors.
"""

from datetime import date, timedelta
from functools import cache

from dagster import AssetExecutionContext, BackfillPolicy, DailyPartitionsDefinition

from microfunnel.conversions import load_catalog
from microfunnel.settings import load_settings

ONE_RUN_PER_RANGE = BackfillPolicy.single_run()
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
INCREMENTAL_TAG = "microfunnel/incremental"  # a run over every day that reads from the cursors


def reporting_days() -> DailyPartitionsDefinition:
    """One partition per reporting day from the first export day to yesterday (a day is done at its
    end, in the reporting time zone of conversions.yml `reporting: time_zone`; UTC when unset, as
    the shop's own zone is known only once Shopify is loaded). Read from the settings on every call:
    a process that serves two shops (or a test worker after another test) gets each its own days."""
    settings = load_settings()
    zone = load_catalog(settings.conversions_config).reporting.time_zone or "UTC"
    return daily_partitions(settings.first_export_day.isoformat(), zone)


@cache
def daily_partitions(start_date: str, zone: str) -> DailyPartitionsDefinition:
    """One definition object per first day and zone, shared by every asset partitioned by it."""
    return DailyPartitionsDefinition(start_date=start_date, timezone=zone)


def every_day() -> tuple[str, str]:
    """(first, last) partition: from the first export day to yesterday; just the first day before that."""
    days = reporting_days()
    first = days.get_first_partition_key() or days.start.date().isoformat()
    return first, days.get_last_partition_key() or first


def range_tags(days: tuple[str, str] | None = None) -> dict[str, str]:
    """The tags of a run over `days` (first, last), or over every day read incrementally (each source
    from its cursor) when None. A run always covers partitions: Dagster records checks of the
    day-partitioned marts only in a partitioned run. `microfunnel run` passes them; so does a
    script of yours: `dagster.materialize(..., tags=range_tags())`."""
    first, last = days or every_day()
    return {RANGE_START_TAG: first, RANGE_END_TAG: last, **({} if days else {INCREMENTAL_TAG: "true"})}


def run_day_window(context: AssetExecutionContext) -> tuple[str, str] | None:
    """(first day, last day) of the run's partition or range, ISO dates; None for an unpartitioned run.

    Read from the run's tags, so the unpartitioned assets of a partitioned run see the window too.
    """
    tags = context.run.tags
    if tags.get(INCREMENTAL_TAG) == "true":
        return None
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        return tags[RANGE_START_TAG], tags[RANGE_END_TAG]
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG], tags[PARTITION_TAG]
    return None


def dbt_window_vars(window: tuple[str, str] | None) -> dict[str, str]:
    """The dbt vars of a window: recompute every person with an event since its first day. The var
    is a UTC timestamp and a local day may start up to 14 hours before its UTC midnight (UTC+14),
    so the recompute starts a day early: more persons recomputed, never one missed."""
    if window is None:
        return {}
    since = f"{date.fromisoformat(window[0]) - timedelta(days=1)} 00:00:00"
    return {
        "microfunnel__funnel_recompute_since": since,
    }
