"""The Dagster code location: one asset graph from raw sources to the serving snapshot."""

from __future__ import annotations

from dagster import Definitions

from orchestration.assets.ingestion import enabled_source_assets
from orchestration.assets.serving import serving_snapshot_asset
from orchestration.assets.transformation import dbt_models
from orchestration.checks import funnel_conversion_within_trailing_band
from orchestration.jobs import daily_job, daily_schedule
from orchestration.resources import dbt_resource, source_selection
from orchestration.sensors import alert_on_run_failure, new_ga4_export_files

mart_keys = [key for key in dbt_models.keys if key.path[0] == "marts"]

defs = Definitions(
    assets=[*enabled_source_assets(source_selection()), dbt_models, serving_snapshot_asset(mart_keys)],
    jobs=[daily_job],
    schedules=[daily_schedule],
    asset_checks=[funnel_conversion_within_trailing_band],
    sensors=[new_ga4_export_files, alert_on_run_failure],
    resources={"dbt": dbt_resource()},
)
