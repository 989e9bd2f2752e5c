"""Publish the marts to the read-only serving file that BI tools open (DESIGN.md section 8)."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from microfunnel.serving import publish_marts
from orchestration.warehouse import warehouse_access


def serving_snapshot_asset(mart_keys: list[AssetKey]):
    @asset(
        key=AssetKey(["serving", "snapshot"]),
        deps=mart_keys,
        group_name="serving",
        kinds={"duckdb"},
        description="Copy of schema `marts` in the serving file, swapped in atomically after a good build.",
    )
    def serving_snapshot(context: AssetExecutionContext) -> MaterializeResult:
        with warehouse_access(context) as settings:
            tables = publish_marts(settings.warehouse_path, settings.serving_path)
        context.log.info(f"published {len(tables)} marts to {settings.serving_path}")
        return MaterializeResult(
            metadata={"path": str(settings.serving_path), "tables": len(tables), "rows": sum(tables.values())}
        )

    return serving_snapshot
