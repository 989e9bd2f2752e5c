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
Descriptions = dict[str, tuple[str, dict[str, str]]]
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


def mirror_spark_tables(settings: Settings, descriptions: Descriptions | None = None) -> dict[str, int]:
    """Copy the marts and view the other model tables; {schema.table: rows} of the copied marts.
    A table Spark no longer has is dropped here too.

    The marts get DuckDB's column types where Spark has no other: Spark's timestamps (instants,
    written as UTC) become the naive UTC timestamps a DuckDB build has. `descriptions`
    ({table: (its description, {column: description})}, from the dbt manifest) become the marts'
    comments, as persist_docs writes them on DuckDB, so the serving file documents itself either way."""
    copied: dict[str, int] = {}
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        for schema in MODEL_SCHEMAS:
            folders = spark_table_folders(settings.spark_tables, schema)
            connection.execute(f'create schema if not exists "{schema}"')
            _drop_missing(connection, schema, set(folders))
            for table, folder in folders.items():
                files = f"read_parquet('{folder}/**/*.parquet', union_by_name = true)"
                kind = "table" if schema in COPIED_SCHEMAS else "view"
                _drop_other_kind(connection, schema, table, kind)
                select = _naive_timestamps(connection, files) if kind == "table" else "*"
                connection.execute(
                    f'create or replace {kind} "{schema}"."{table}" as select {select} from {files}'
                )
                if kind == "table":
                    copied[f"{schema}.{table}"] = connection.execute(
                        f'select count(*) from "{schema}"."{table}"'
                    ).fetchall()[0][0]
        for table, (description, columns) in (descriptions or {}).items():
            if f"marts.{table}" in copied:
                _comment(connection, f'table marts."{table}"', description)
                for column, text in columns.items():
                    _comment(connection, f'column marts."{table}"."{column}"', text)
    return copied


def _naive_timestamps(connection: duckdb.DuckDBPyConnection, files: str) -> str:
    columns = connection.execute(f"describe select * from {files}").fetchall()
    return ", ".join(
        f'timezone(\'UTC\', "{name}") as "{name}"' if data_type == "TIMESTAMP WITH TIME ZONE" else f'"{name}"'
        for name, data_type, *_ in columns
    )


def _comment(connection: duckdb.DuckDBPyConnection, target: str, text: str | None) -> None:
    if text:
        try:
            connection.execute(f"comment on {target} is '" + text.replace("'", "''") + "'")
        except (duckdb.CatalogException, duckdb.BinderException):  # a documented column it lacks
            pass


def _drop_other_kind(connection: duckdb.DuckDBPyConnection, schema: str, name: str, kind: str) -> None:
    """Drop `schema.name` if it exists as the other kind (a mart was a view, a seed a table)."""
    other = "view" if kind == "table" else "table"
    catalog = (
        "duckdb_views() where not internal and view_name"
        if other == "view"
        else "duckdb_tables() where table_name"
    )
    if connection.execute(f"select 1 from {catalog} = ? and schema_name = ?", [name, schema]).fetchall():
        connection.execute(f'drop {other} "{schema}"."{name}"')


def _drop_missing(connection: duckdb.DuckDBPyConnection, schema: str, present: set[str]) -> None:
    for name, kind in connection.execute(
        "select table_name, 'table' from duckdb_tables() where schema_name = ? "
        "union all select view_name, 'view' from duckdb_views() where schema_name = ? and not internal",
        [schema, schema],
    ).fetchall():
        if name not in present:
            connection.execute(f'drop {kind} "{schema}"."{name}"')
