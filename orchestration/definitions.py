"""The Dagster code location: one asset graph from raw sources to the serving snapshot."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from orchestration.assets.ingestion import all_source_assets
from orchestration.assets.serving import serving_snapshot_asset
from orchestration.assets.transformation import dbt_models
from orchestration.checks import funnel_conversion_within_trailing_band
from orchestration.jobs import daily_job, daily_schedule
from orchestration.resources import dbt_resource
from orchestration.sensors import alert_on_run_failure, new_ga4_export_files

mart_keys = [key for key in dbt_models.keys if key.path[0] == "marts"]

defs = Definitions(
    assets=[*all_source_assets(), dbt_models, serving_snapshot_asset(mart_keys)],
    jobs=[daily_job],
    schedules=[daily_schedule],
    asset_checks=[funnel_conversion_within_trailing_band],
    sensors=[new_ga4_export_files, alert_on_run_failure],
    resources={"dbt": dbt_resource()},
    executor=in_process_executor,  # ad-hoc materializations from the UI too: steps in the run's process
)
