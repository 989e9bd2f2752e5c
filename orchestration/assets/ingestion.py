"""One multi-asset per enabled dlt source, keyed ["raw_<source>", table] = the dbt source it feeds.

Specs come from each source's declared tables (ingestion.registry) rather than from calling the
source function, because calling it resolves credentials; definitions must load without secrets.
"""

from datetime import timedelta

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    FreshnessPolicy,
    multi_asset,
)
from dagster_dlt import DagsterDltResource, DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData

from ingestion.pipelines import (
    LOADER_FILE_FORMAT,
    dataset_name,
    load_source,
    make_pipeline,
    prepare_before_load,
    release_load_memory,
    settle_after_load,
)
from ingestion.progress import reporting_progress
from ingestion.registry import SourceSelection, spec
from orchestration.partitions import ONE_RUN_PER_RANGE, reporting_days, run_day_window
from orchestration.progress import progress_to
from orchestration.warehouse import warehouse_access

# Sources read by export day: partitioned by reporting day; a run's window selects their files
# (the source's start_date/end_date). The API sources re-read their revision windows each run.
DAY_PARTITIONED_SOURCES = {"ga4"}

# Every raw table is loaded by the daily job; a table not refreshed for 26 hours means a missed run.
DAILY_FRESHNESS = FreshnessPolicy.time_window(
    fail_window=timedelta(hours=26), warn_window=timedelta(hours=25)
)


def raw_asset_key(source: str, resource: str) -> AssetKey:
    return AssetKey([dataset_name(source), resource])


class RawTableTranslator(DagsterDltTranslator):
    """Key each dlt resource by its raw table, the same key dbt gives the source table."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        return (
            super()
            .get_asset_spec(data)
            .replace_attributes(key=AssetKey([data.pipeline.dataset_name, data.resource.name]))
        )


def source_assets(source: str) -> AssetsDefinition:
    specs = [
        AssetSpec(
            raw_asset_key(source, resource),
            freshness_policy=DAILY_FRESHNESS,
            group_name="ingestion",
            kinds={"dlt", "duckdb"},
            description=f"Raw `{resource}` of the {source} source, loaded by dlt into raw_{source}.",
        )
        for resource in spec(source).tables
    ]

    by_day = source in DAY_PARTITIONED_SOURCES

    @multi_asset(
        name=f"dlt_{source}",
        specs=specs,
        can_subset=True,
        partitions_def=reporting_days() if by_day else None,
        backfill_policy=ONE_RUN_PER_RANGE if by_day else None,
    )
    def load(context: AssetExecutionContext):
        window = run_day_window(context) if by_day else None
        if window:
            context.log.info(f"{source}: reading the export days {window[0]}..{window[1]}")
        with warehouse_access(context) as settings:
            pipeline = make_pipeline(source, settings)
            prepare_before_load(source, settings, context.log.info)
            yield from DagsterDltResource().run(
                context=context,
                dlt_source=load_source(
                    source, settings, **({"start_date": window[0], "end_date": window[1]} if window else {})
                ),
                dlt_pipeline=reporting_progress(pipeline, progress_to(context)),
                dagster_dlt_translator=RawTableTranslator(),
                loader_file_format=LOADER_FILE_FORMAT,
            )
            settle_after_load(source, pipeline, settings)
        release_load_memory()

    return load


def enabled_source_assets(selection: SourceSelection) -> list[AssetsDefinition]:
    """Only the enabled sources' assets exist: a switched-off source is not in the graph at all."""
    return [source_assets(source) for source in selection.enabled]
