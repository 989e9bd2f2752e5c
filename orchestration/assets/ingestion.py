"""One multi-asset per dlt source, keyed ["raw_<source>", resource] = the dbt source it feeds.

Specs come from the static SOURCE_RESOURCES list rather than from calling the source
function, because calling it resolves credentials; definitions must load without secrets.
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
    SOURCE_RESOURCES,
    dataset_name,
    make_pipeline,
    source_function,
)
from orchestration.warehouse import warehouse_access

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
        for resource in SOURCE_RESOURCES[source]
    ]

    @multi_asset(name=f"dlt_{source}", specs=specs, can_subset=True)
    def load(context: AssetExecutionContext):
        with warehouse_access(context) as settings:
            yield from DagsterDltResource().run(
                context=context,
                dlt_source=source_function(source)(),
                dlt_pipeline=make_pipeline(source, settings),
                dagster_dlt_translator=RawTableTranslator(),
                loader_file_format=LOADER_FILE_FORMAT,
            )

    return load


def all_source_assets() -> list[AssetsDefinition]:
    return [source_assets(source) for source in SOURCE_RESOURCES]
