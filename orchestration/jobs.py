"""The daily job over the whole graph, and its schedule."""

from __future__ import annotations

from dagster import AssetSelection, build_schedule_from_partitioned_job, define_asset_job, in_process_executor

daily_job = define_asset_job(
    name="daily_refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,  # one process per run: the run is the warehouse's one writer
    description="One reporting day (or a backfilled range, in one run): load its GA4 export files and "
    "every API source, build the models (identity and funnels recompute only the persons the new data "
    "changed), run their checks, publish the serving snapshot.",
)

# 06:00 in the partitions' zone (the reporting zone), yesterday's partition: GA4's daily export
# of a day (a day in the property's zone) usually lands early the next morning; the API sources
# re-read their own revision windows (Google Ads 3 days, Meta 7 days, Shopify by updatedAt) on
# every run, and a GA4 re-export of an older day is picked up by the sensor
# `new_ga4_export_files`, which requests that day's partition.
daily_schedule = build_schedule_from_partitioned_job(
    daily_job, name="daily_refresh_schedule", hour_of_day=6, minute_of_hour=0
)
