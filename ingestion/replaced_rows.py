"""Rows a later load replaced, dropped from the DuckDB warehouse (`SourceSpec.replaces_partitions`).

A table that a load replaces partition by partition (GA4: a re-exported export day) is appended by
dlt straight into the raw table, without the staging copy of every row that dlt's `delete-insert`
merge writes and then copies again. After the load, `drop_replaced_rows` deletes, in one statement,
every row whose load stamp is older than the newest stamp of its partition: the rows of a partition
come only from the newest load that carried it, as with the merge.

A crash between dlt's append and this delete leaves a replaced day's old rows beside its new ones
until the source's next load, which deletes them even when it reads no file. Meanwhile the GA4
staging models read each day's newest read only (dbt macro `ga4_export_rows`), so no model counts
them. A row without a stamp (loaded before the loader stamped its rows) counts as the oldest.
"""

from __future__ import annotations

import duckdb

from ingestion.sources.spec import SourceSpec
from microfunnel.settings import Settings


def drop_replaced_rows(settings: Settings, source: SourceSpec) -> dict[str, int]:
    """Delete the replaced rows of the source's partition-replaced tables; {table: rows deleted}."""
    if not source.replaces_partitions or not settings.warehouse_path.exists():
        return {}
    dropped: dict[str, int] = {}
    with duckdb.connect(str(settings.warehouse_path), config=settings.dlt_duckdb_config()) as connection:
        for table, (partition, stamp) in source.replaces_partitions.items():
            if not _has_columns(connection, source.dataset, table, {partition, stamp}):
                continue  # not loaded yet, or loaded before the loader stamped its rows
            relation = f'"{source.dataset}"."{table}"'
            [(deleted,)] = connection.execute(
                f"""
                delete from {relation} as loaded
                using (
                    select "{partition}" as partition_value, max("{stamp}") as newest
                    from {relation} group by all
                ) as latest
                where loaded."{partition}" = latest.partition_value
                  and latest.newest is not null
                  and (loaded."{stamp}" is null or loaded."{stamp}" < latest.newest)
                """
            ).fetchall()
            dropped[table] = deleted
    return dropped


def _has_columns(connection: duckdb.DuckDBPyConnection, schema: str, table: str, columns: set[str]) -> bool:
    found = connection.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return columns <= {name for (name,) in found}
