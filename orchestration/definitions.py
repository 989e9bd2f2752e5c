"""The Dagster code location: one asset graph from raw sources to the serving snapshot.

`defs` is loaded lazily (`@definitions`), when Dagster (or `microfunnel run`) asks for it, with the
sources enabled at that moment; `build_definitions` builds the graph for any selection, once per
process and selection, so one process can hold graphs of different shops side by side.
"""

from __future__ import annotations

from functools import cache, partial

from dagster import Definitions, definitions, in_process_executor

from ingestion.registry import SourceSelection, enabled_sources, spec
from orchestration.assets.ingestion import enabled_source_assets
from orchestration.assets.serving import serving_snapshot_asset
from orchestration.assets.transformation import dbt_model_assets
from orchestration.checks import all_checks, dbt_manifest
from orchestration.funnel_event_checks import FUNNEL_STEPS, funnel_events_seen
from orchestration.invariants import invariants_job, invariants_schedule
from orchestration.jobs import daily_job, daily_schedule
from orchestration.resources import dbt_resource
from orchestration.sensors import alert_on_run_failure, new_ga4_export_files


@cache
def build_definitions(selection: SourceSelection) -> Definitions:
    """The graph of these sources: their dlt assets, the dbt models they feed, checks, serving."""
    source_assets = enabled_source_assets(selection)
    dbt_assets = dbt_model_assets(selection)
    built_keys = {key for assets in [*source_assets, *dbt_assets] for key in assets.keys}
    mart_keys = [key for assets in dbt_assets for key in assets.keys if key.path[0] == "marts"]
    source_tables = {name: tuple(spec(name).tables) for name in selection.enabled}
    invariants = invariants_job(selection)
    return Definitions(
        assets=[*source_assets, *dbt_assets, serving_snapshot_asset(mart_keys)],
        jobs=[daily_job, invariants],
        schedules=[daily_schedule, invariants_schedule(invariants)],
        asset_checks=[
            *all_checks(source_tables, built_keys, partial(dbt_manifest, selection)),
            *([funnel_events_seen] if FUNNEL_STEPS in built_keys else []),
        ],
        sensors=[new_ga4_export_files, alert_on_run_failure],
        resources={"dbt": dbt_resource()},
        executor=in_process_executor,  # ad-hoc materializations from the UI too: steps in the run's process
    )


@definitions
def defs() -> Definitions:
    """The code location `dagster dev -w workspace.yaml` loads: the sources enabled now."""
    return build_definitions(enabled_sources())
