"""The daily job over the whole graph, and its schedule."""

from __future__ import annotations

from dagster import AssetSelection, ScheduleDefinition, define_asset_job, in_process_executor

daily_job = define_asset_job(
    name="daily_refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,  # one process per run: the run is the warehouse's one writer
    description="Load every source, build the models (identity and funnels recompute only the persons "
    "the new data changed), run their checks, publish the serving snapshot.",
)

daily_schedule = ScheduleDefinition(
    name="daily_refresh_schedule",
    job=daily_job,
    cron_schedule="0 6 * * *",  # after GA4's daily export lands (it is usually complete by ~05:00 UTC)
    execution_timezone="UTC",
)
