"""After a Spark build (MICROFUNNEL_ENGINE=spark): Spark's tables in the DuckDB warehouse file.

Spark writes each model table as Parquet under its warehouse dir, `<dir>/<schema>.db/<table>/`.
The pipeline's own readers (the serving publish, freshness and reconciliation checks, the report)
read the DuckDB warehouse file, so after every Spark build the marts are copied into it as tables
(what the serving publish copies on, as on DuckDB) and the other model tables are made views over
their Parquet. Spark's views (the staging layer) have no files and are not mirrored.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from microfunnel.settings import Settings

MODEL_SCHEMAS = ("seeds", "staging", "intermediate", "marts")
COPIED_SCHEMAS = ("marts",)
SCRATCH = "__cc_"  # identity_connected_components' working tables on Spark (macros/identity.sql)


def spark_table_folders(spark_tables: Path, schema: str) -> dict[str, Path]:
    """{table: folder} of the Spark schema's tables that hold Parquet files."""
    schema_dir = spark_tables / f"{schema}.db"
    if not schema_dir.is_dir():
        return {}
    return {
        folder.name: folder
        for folder in sorted(schema_dir.iterdir())
        if folder.is_dir() and SCRATCH not in folder.name and any(folder.rglob("*.parquet"))
    }


def mirror_spark_tables(settings: Settings) -> dict[str, int]:
    """Copy the marts and view the other model tables; {schema.table: rows} of the copied marts.
    A table Spark no longer has is dropped here too."""
    copied: dict[str, int] = {}
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        for schema in MODEL_SCHEMAS:
            folders = spark_table_folders(settings.spark_tables, schema)
            connection.execute(f'create schema if not exists "{schema}"')
            _drop_missing(connection, schema, set(folders))
            for table, folder in folders.items():
                files = f"read_parquet('{folder}/**/*.parquet', union_by_name = true)"
                if schema in COPIED_SCHEMAS:
                    connection.execute(f'drop view if exists "{schema}"."{table}"')
                    connection.execute(
                        f'create or replace table "{schema}"."{table}" as select * from {files}'
                    )
                    copied[f"{schema}.{table}"] = connection.execute(
                        f'select count(*) from "{schema}"."{table}"'
                    ).fetchall()[0][0]
                else:
                    connection.execute(f'drop table if exists "{schema}"."{table}"')
                    connection.execute(
                        f'create or replace view "{schema}"."{table}" as select * from {files}'
                    )
    return copied


def _drop_missing(connection: duckdb.DuckDBPyConnection, schema: str, present: set[str]) -> None:
    for name, kind in connection.execute(
        "select table_name, 'table' from duckdb_tables() where schema_name = ? "
        "union all select view_name, 'view' from duckdb_views() where schema_name = ? and not internal",
        [schema, schema],
    ).fetchall():
        if name not in present:
            connection.execute(f'drop {kind} "{schema}"."{name}"')
