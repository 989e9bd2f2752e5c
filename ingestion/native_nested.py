"""Nested columns kept in the DuckDB warehouse as DuckDB's own STRUCT and LIST types, not JSON text.

dlt types an Arrow struct or list column `json`, and its DuckDB destination stores such a column as
JSON text: every load cast GA4's records to text (about 40% of inserting a day) and every staging
build parsed `event_params` back (a third of `stg_ga4__events`). A source whose resource yields
Arrow tables of one fixed schema names them in `SourceSpec.native_nested`; before each load into
the DuckDB warehouse, `prepare_native_tables` creates such a table with the schema's own types, or
converts, once, the columns a table was created with before as JSON text or in an older shape of
the schema. dlt then appends its Parquet
load files into the table by name, nested values as they are (dlt checks a table's column names,
not their types, so its schema keeps calling them `json`).

The Spark lake keeps JSON text (ingestion.lake); the dbt models read both forms (macros/ga4.sql,
`ga4_native_nested`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import duckdb
import pyarrow as pa

from ingestion.sources.spec import SourceSpec
from microfunnel.settings import Settings

log = logging.getLogger(__name__)


def is_nested(data_type: pa.DataType) -> bool:
    return (
        pa.types.is_struct(data_type)
        or pa.types.is_list(data_type)
        or pa.types.is_large_list(data_type)
        or pa.types.is_map(data_type)
    )


def prepare_native_tables(
    settings: Settings, source: SourceSpec, announce: Callable[[str], None] = log.info
) -> dict[str, list[str]]:
    """Create or convert the source's `native_nested` tables in the warehouse; {table: columns converted}.

    Nothing to do on Spark (the lake holds JSON text) or for a source that declares none. A
    conversion rewrites the table (50 s for 10M GA4 events here): `announce` hears it begin and end."""
    if settings.engine == "spark" or not source.native_nested:
        return {}
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    converted: dict[str, list[str]] = {}
    with duckdb.connect(str(settings.warehouse_path), config=settings.dlt_duckdb_config()) as connection:
        for table in source.native_nested:
            converted[table] = _prepare(
                connection, source.dataset, table, source.arrow_schema(table), announce
            )
    return converted


def _prepare(
    connection: duckdb.DuckDBPyConnection,
    dataset: str,
    table: str,
    schema: pa.Schema,
    announce: Callable[[str], None],
) -> list[str]:
    relation = f'"{dataset}"."{table}"'
    existing = dict(
        connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [dataset, table],
        ).fetchall()
    )
    native = _native_types(connection, schema)
    if not existing:
        _create(connection, dataset, relation, schema)
        return []
    # JSON text (an older release), or an older shape of the schema (a field added since: DuckDB
    # casts a struct by field name, a field the old values lack becomes null)
    outdated = [
        name for name, data_type in native.items() if name in existing and existing[name] != data_type
    ]
    if outdated:
        [(rows,)] = connection.execute(f"select count(*) from {relation}").fetchall()
        announce(
            f"{dataset}.{table}: converting {', '.join(outdated)} to the source's nested types, once "
            f"({rows:,} rows; an older release stored them as JSON text or in an older shape)"
        )
        started = time.perf_counter()
        connection.execute("begin")
        for name in outdated:
            connection.execute(
                f'alter table {relation} alter column "{name}" set data type {native[name]} '
                f'using cast("{name}" as {native[name]})'
            )
        connection.execute("commit")
        announce(f"{dataset}.{table}: converted in {time.perf_counter() - started:.1f} s")
    return outdated


def _native_types(connection: duckdb.DuckDBPyConnection, schema: pa.Schema) -> dict[str, str]:
    """DuckDB's type of each nested field of `schema`, as DuckDB maps the Arrow type."""
    nested = pa.schema([field for field in schema if is_nested(field.type)])
    connection.register("native_shape", nested.empty_table())
    try:
        return {
            name: data_type
            for name, data_type in connection.execute(
                "select column_name, column_type from (describe select * from native_shape)"
            ).fetchall()
        }
    finally:
        connection.unregister("native_shape")


def _create(connection: duckdb.DuckDBPyConnection, dataset: str, relation: str, schema: pa.Schema) -> None:
    """The table as dlt would create it from the same Arrow schema, nested columns typed natively."""
    connection.register("table_shape", schema.empty_table())
    try:
        connection.execute("begin")
        connection.execute(f'create schema if not exists "{dataset}"')
        connection.execute(f"create table {relation} as select * from table_shape")
        for field in schema:
            if not field.nullable:
                connection.execute(f'alter table {relation} alter column "{field.name}" set not null')
        connection.execute("commit")
    finally:
        connection.unregister("table_shape")
