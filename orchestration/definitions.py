"""The Dagster code location: one asset graph from raw sources to the serving snapshot."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from ingestion.registry import spec
from orchestration.assets.ingestion import enabled_source_assets
from orchestration.assets.serving import serving_snapshot_asset
from orchestration.assets.transformation import dbt_day_grained_models, dbt_models
from orchestration.checks import all_checks, dbt_manifest
from orchestration.funnel_event_checks import FUNNEL_STEPS, funnel_events_seen
from orchestration.jobs import daily_job, daily_schedule
from orchestration.resources import dbt_resource, source_selection
from orchestration.sensors import alert_on_run_failure, new_ga4_export_files

enabled = source_selection().enabled
source_assets = enabled_source_assets(source_selection())
dbt_assets = [dbt_models, dbt_day_grained_models]
built_keys = {key for assets in [*source_assets, *dbt_assets] for key in assets.keys}
mart_keys = [key for assets in dbt_assets for key in assets.keys if key.path[0] == "marts"]

defs = Definitions(
    assets=[*source_assets, *dbt_assets, serving_snapshot_asset(mart_keys)],
    jobs=[daily_job],
    schedules=[daily_schedule],
    asset_checks=[
        *all_checks({name: tuple(spec(name).tables) for name in enabled}, built_keys, dbt_manifest),
        *([funnel_events_seen] if FUNNEL_STEPS in built_keys else []),
    ],
    sensors=[new_ga4_export_files, alert_on_run_failure],
    resources={"dbt": dbt_resource()},
    executor=in_process_executor,  # ad-hoc materializations from the UI too: steps in the run's process
)
