"""The dbt project as assets: models keyed [schema, model], sources keyed [raw_<source>, table]."""

from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.resources import WAREHOUSE_POOL, dbt_project, dbt_vars_args


class MicrofunnelDbtTranslator(DagsterDbtTranslator):
    """One method per concern: keys follow the warehouse's schema.table, groups the model folders."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["config"]["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        path = dbt_resource_props.get("fqn", [])
        return "_".join(path[1:3]) if len(path) > 3 else (path[1] if len(path) > 1 else None)


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=MicrofunnelDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
    pool=WAREHOUSE_POOL,
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build`: incremental models (identity, funnel steps) recompute only what new data changed."""
    yield from dbt.cli(["build", *dbt_vars_args()], context=context).stream()
