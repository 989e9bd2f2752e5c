"""The raw layer on Spark (MICROFUNNEL_ENGINE=spark): dlt's `filesystem` destination writes Parquet
under the lake, `<lake>/raw_<source>/<table>/<load_id>.<file_id>.parquet`, where Spark reads it
(dbt_project/macros/lake.sql registers each table over its folder).

Plain Parquet has no merge or delete (Delta and Iceberg need jars this project cannot assume), so
dlt appends every load of a `merge` table. `settle_lake` then gives each table the rows the DuckDB
warehouse's raw table would hold after the same loads, by the rules dlt's DuckDB merge applies:

- merge on a primary key: a row stays only if no later load has a row with its key;
- a merge key (a `delete-insert` merge, or an appended table that declares one, e.g. GA4's
  `_export_day`): a row stays only if no later load has a row with its merge key value (the later
  load replaced that day whole);
- a nested table's row stays only if its parent row stays.

Only the files holding a superseded row are rewritten: their kept rows go to one new file
(written under a temporary name, then renamed), then those files are deleted. A crash in
between leaves both, and the next settle removes the copies (rows are unique by `_dlt_id`), so
re-running converges. A table declared in the schema without any file yet (a source that returned
nothing) gets an empty Parquet file with its columns, so Spark and DuckDB can read it.

Nested columns of Arrow rows (GA4's event_params, device, items, ...) are written as JSON text
(`nested_as_json`): the text DuckDB gives the native STRUCT and LIST values the DuckDB warehouse
keeps (ingestion.native_nested), so the raw tables have the same columns and values on both
engines, and the staging models read either form to the same rows (macros/ga4.sql).

The DuckDB warehouse file stays the catalog the pipeline's own checks read (freshness,
reconciliation, the serving publish): `raw_<source>.<table>` there are views over the lake's files.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import dlt
import duckdb

from ingestion.native_nested import is_nested
from microfunnel.settings import Settings

LOADS_TABLE = "_dlt_loads"


def nested_as_json(item: Any) -> Any:
    """An Arrow table's struct, list and map columns as JSON text (DuckDB's `to_json`, the JSON of
    the DuckDB warehouse's native values); other items pass through."""
    import pyarrow as pa

    if not isinstance(item, pa.Table):
        return item
    nested = [field.name for field in item.schema if is_nested(field.type)]
    if not nested:
        return item
    replaced = ", ".join(f'to_json("{name}")::varchar as "{name}"' for name in nested)
    with duckdb.connect() as connection:
        connection.register("item", item)
        converted = connection.sql(f"select * replace ({replaced}) from item").to_arrow_table()
    return converted.replace_schema_metadata(item.schema.metadata)


def with_nested_as_json(source: Any) -> Any:
    """Every resource of the dlt source writes nested Arrow columns as JSON text."""
    for resource in source.resources.values():
        resource.add_map(nested_as_json)
    return source


def table_folder(settings: Settings, dataset: str, table: str) -> Path:
    return settings.lake / dataset / table


def parquet_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.parquet"))


def settle_lake(pipeline: dlt.Pipeline, settings: Settings) -> dict[str, int]:
    """Converge the dataset's tables (see the module doc) and refresh the DuckDB views over them.
    Returns {table: rows dropped as superseded}."""
    schema = pipeline.default_schema
    dropped: dict[str, int] = {}
    with duckdb.connect() as connection:
        for table in _parents_first(schema):
            folder = table_folder(settings, pipeline.dataset_name, table["name"])
            if not parquet_files(folder):
                _write_empty(folder, table, pipeline)
            elif (
                table.get("write_disposition") == "merge" or _keys(table, "merge_key") or table.get("parent")
            ):
                dropped[table["name"]] = _compact(connection, folder, table, schema, settings, pipeline)
    refresh_raw_views(settings, pipeline.dataset_name, [table["name"] for table in schema.data_tables()])
    return dropped


def _parents_first(schema) -> list[dict]:
    tables = [table for table in schema.data_tables() if table.get("columns")]
    depth = {}

    def level(table: dict) -> int:
        parent = table.get("parent")
        if table["name"] not in depth:
            depth[table["name"]] = 0 if not parent else level(schema.tables[parent]) + 1
        return depth[table["name"]]

    return sorted(tables, key=level)


def _keys(table: dict, hint: str) -> list[str]:
    return [name for name, column in table["columns"].items() if column.get(hint)]


def _columns(names: list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _compact(connection, folder: Path, table: dict, schema, settings: Settings, pipeline) -> int:
    """Rewrite the files holding superseded rows (their kept rows into one new file); 0 when none."""
    files = parquet_files(folder)
    source = f"read_parquet({[str(path) for path in files]!r}, union_by_name = true, filename = true)"
    columns = [row[0] for row in connection.execute(f"describe select * from {source}").fetchall()]
    # Copies left by a crash: the same row in two files (by dlt's row id; Arrow loads have none, then
    # by every column). The load a row came with: its file's, <load_id>.<file_id>.parquet (Arrow
    # loads carry no _dlt_load_id); a rewritten file takes the newest load of the files it replaced,
    # which is safe because no superseded row is left among them.
    row_identity = "_dlt_id" if "_dlt_id" in columns else _columns([c for c in columns if c != "filename"])
    load = "try_cast(regexp_extract(parse_filename(filename), '^(.*)[.][^.]+[.]parquet$', 1) as double)"
    conditions = [f"row_number() over (partition by {row_identity} order by filename) = 1"]
    primary_key, merge_key = _keys(table, "primary_key"), _keys(table, "merge_key")
    if primary_key:  # the newest row of a key (dlt's merge also keeps one row per key of a load)
        conditions.append(
            f"row_number() over (partition by {_columns(primary_key)} order by {load} desc) = 1"
        )
    if merge_key:  # rows of the newest load having that merge key value
        conditions.append(f"{load} = max({load}) over (partition by {_columns(merge_key)})")
    parent = table.get("parent")
    where = ""
    if parent:
        parent_files = parquet_files(table_folder(settings, pipeline.dataset_name, parent))
        where = (
            f" where _dlt_parent_id in (select _dlt_id from read_parquet({[str(p) for p in parent_files]!r},"
            " union_by_name = true))"
        )
    connection.execute(
        f"create or replace temp table kept as select * from {source}{where} qualify "
        + " and ".join(conditions)
    )
    affected = connection.execute(
        f"select filename, count(*) - coalesce(any_value(kept_rows), 0) as dropped from {source} as all_rows "
        "left join (select filename, count(*) as kept_rows from kept group by filename) using (filename) "
        "group by filename having dropped > 0"
    ).fetchall()
    if not affected:
        return 0
    names = [name for name, _ in affected]
    staying = "select * exclude (filename) from kept where filename in (select unnest($names))"
    if connection.execute(f"select count(*) from ({staying})", {"names": names}).fetchall()[0][0]:
        newest_load = max(Path(name).name.split(".")[0] for name in names)
        written = folder / f"{newest_load}.{uuid.uuid4().hex[:10]}.parquet"
        partial = written.with_suffix(".parquet.partial")
        connection.execute(f"copy ({staying}) to '{partial}' (format parquet)", {"names": names})
        partial.rename(written)
    for name in names:
        Path(name).unlink()
    return sum(dropped for _, dropped in affected)


def _write_empty(folder: Path, table: dict, pipeline: dlt.Pipeline) -> None:
    import pyarrow.parquet as pq
    from dlt.common.libs.pyarrow import columns_to_arrow

    caps = pipeline.destination.capabilities()
    arrow_schema = columns_to_arrow(table["columns"], caps, timestamp_timezone="UTC")
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(arrow_schema.empty_table(), folder / "0.empty.parquet")


def refresh_raw_views(settings: Settings, dataset: str, tables: list[str]) -> None:
    """`<dataset>.<table>` in the DuckDB warehouse file: views over the lake's Parquet (and the
    load log's JSON lines), for the checks and tools that read the warehouse."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        connection.execute(f'create schema if not exists "{dataset}"')
        for table in tables:
            folder = table_folder(settings, dataset, table)
            if parquet_files(folder):
                connection.execute(
                    f'create or replace view "{dataset}"."{table}" as select * from '
                    f"read_parquet('{folder}/*.parquet', union_by_name = true)"
                )
        loads = table_folder(settings, dataset, LOADS_TABLE)
        if list(loads.glob("*.jsonl")):
            connection.execute(
                f'create or replace view "{dataset}"."{LOADS_TABLE}" as select load_id, schema_name, status, '
                f"cast(inserted_at as timestamptz) as inserted_at, schema_version_hash from "
                f"read_json('{loads}/*.jsonl', format = 'newline_delimited')"
            )
