"""The serving snapshot: the marts copied to their own DuckDB file, swapped in atomically.

BI tools open only the serving file, read-only: they never hold a lock on the warehouse
(a reader in another process would block the next build) and never see a half-built table.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


def publish_marts(warehouse: Path, serving: Path, schema: str = "marts") -> dict[str, int]:
    """Copy every table of `schema` into a fresh file next to `serving`, then rename it over it."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    staging_file = serving.with_name(f".{serving.name}.publishing")
    staging_file.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    with duckdb.connect() as connection:
        connection.execute(f"attach '{warehouse}' as warehouse (read_only)")
        connection.execute(f"attach '{staging_file}' as snapshot")
        tables = [
            row[0]
            for row in connection.execute(
                "select table_name from duckdb_tables() "
                "where database_name = 'warehouse' and schema_name = ? order by table_name",
                [schema],
            ).fetchall()
        ]
        connection.execute(f"create schema snapshot.{schema}")
        for table in tables:
            connection.execute(
                f'create table snapshot.{schema}."{table}" as select * from warehouse.{schema}."{table}"'
            )
            counts[table] = connection.execute(
                f'select count(*) from snapshot.{schema}."{table}"'
            ).fetchone()[0]
        copy_descriptions(connection, schema, tables)
        connection.execute("detach snapshot")
        connection.execute("detach warehouse")
    os.replace(staging_file, serving)
    return counts


def copy_descriptions(connection: duckdb.DuckDBPyConnection, schema: str, tables: list[str]) -> None:
    """Carry dbt's table and column descriptions (persist_docs comments) over to the snapshot, so a BI
    tool browsing the serving file shows what each table and column means."""
    table_comments = connection.execute(
        "select table_name, comment from duckdb_tables() "
        "where database_name = 'warehouse' and schema_name = ? and comment is not null",
        [schema],
    ).fetchall()
    column_comments = connection.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where database_name = 'warehouse' and schema_name = ? and comment is not null",
        [schema],
    ).fetchall()
    published = set(tables)
    for table, comment in table_comments:
        if table in published:
            connection.execute(f'comment on table snapshot.{schema}."{table}" is {_literal(comment)}')
    for table, column, comment in column_comments:
        if table in published:
            connection.execute(
                f'comment on column snapshot.{schema}."{table}"."{column}" is {_literal(comment)}'
            )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
