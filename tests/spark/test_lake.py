"""The Spark engine's raw layer (ingestion/lake.py): dlt's filesystem destination appends every load
of a merge table; after `settle_lake` each table holds exactly what dlt's DuckDB merge leaves in the
warehouse after the same loads. Each case loads the same resources into both and compares."""

from __future__ import annotations

import shutil

import dlt
import duckdb
import pytest

from ingestion.lake import nested_as_json, parquet_files, settle_lake, table_folder
from ingestion.sources.records import empty_table
from microfunnel.settings import load_settings

pytestmark = pytest.mark.slow


@pytest.fixture
def lake_settings(tmp_path):
    return load_settings(
        {"WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"), "MICROFUNNEL_ENGINE": "spark"}
    )


def load_both(tmp_path, lake_settings, loads):
    """Run each load (a list of resources) into the lake (then settle) and into a DuckDB file."""
    lake = dlt.pipeline(
        "lake_case",
        destination=dlt.destinations.filesystem(str(lake_settings.lake)),
        dataset_name="raw_case",
        pipelines_dir=str(tmp_path / "pipelines_lake"),
    )
    warehouse = dlt.pipeline(
        "duckdb_case",
        destination=dlt.destinations.duckdb(str(tmp_path / "reference.duckdb")),
        dataset_name="raw_case",
        pipelines_dir=str(tmp_path / "pipelines_duckdb"),
    )
    for resources in loads:
        lake.run(resources(), loader_file_format="parquet").raise_on_failed_jobs()
        warehouse.run(resources(), loader_file_format="parquet").raise_on_failed_jobs()
        settle_lake(lake, lake_settings)
    return lake


def lake_rows(lake_settings, table, columns):
    files = [str(path) for path in parquet_files(table_folder(lake_settings, "raw_case", table))]
    with duckdb.connect() as connection:
        return sorted(
            connection.execute(
                f"select {columns} from read_parquet({files!r}, union_by_name = true)"
            ).fetchall()
        )


def reference_rows(tmp_path, table, columns):
    with duckdb.connect(str(tmp_path / "reference.duckdb"), read_only=True) as connection:
        return sorted(connection.execute(f"select {columns} from raw_case.{table}").fetchall())


def orders(rows):
    """A merge resource on a primary key, as the Shopify orders are loaded."""

    @dlt.resource(name="orders", write_disposition="merge", primary_key="id")
    def resource():
        yield rows

    return resource


def events(rows):
    """A merge resource replacing whole days (a merge key), as GA4's export days are loaded."""

    @dlt.resource(
        name="events",
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key="day",
        primary_key=False,
    )
    def resource():
        yield rows

    return resource


def test_a_primary_key_merge_keeps_the_newest_row_of_each_key(tmp_path, lake_settings):
    load_both(
        tmp_path,
        lake_settings,
        [
            lambda: [orders([{"id": 1, "status": "open"}, {"id": 2, "status": "open"}])],
            lambda: [orders([{"id": 2, "status": "paid"}, {"id": 3, "status": "open"}])],
            lambda: [orders([{"id": 3, "status": "paid"}])],
        ],
    )
    expected = [(1, "open"), (2, "paid"), (3, "paid")]
    assert lake_rows(lake_settings, "orders", "id, status") == expected
    assert reference_rows(tmp_path, "orders", "id, status") == expected


def test_a_merge_key_replaces_the_whole_day_and_leaves_other_days(tmp_path, lake_settings):
    load_both(
        tmp_path,
        lake_settings,
        [
            lambda: [
                events(
                    [{"day": "d1", "event": "a"}, {"day": "d1", "event": "b"}, {"day": "d2", "event": "c"}]
                )
            ],
            lambda: [events([{"day": "d1", "event": "a2"}])],  # d1 re-exported with one event
        ],
    )
    expected = [("d1", "a2"), ("d2", "c")]
    assert lake_rows(lake_settings, "events", "day, event") == expected
    assert reference_rows(tmp_path, "events", "day, event") == expected


def test_nested_rows_of_a_superseded_parent_go_with_it(tmp_path, lake_settings):
    load_both(
        tmp_path,
        lake_settings,
        [
            lambda: [
                orders([{"id": 1, "lines": [{"sku": "a"}, {"sku": "b"}]}, {"id": 2, "lines": [{"sku": "c"}]}])
            ],
            lambda: [orders([{"id": 1, "lines": [{"sku": "z"}]}])],
        ],
    )
    query = "sku"
    assert lake_rows(lake_settings, "orders__lines", query) == [("c",), ("z",)]
    assert reference_rows(tmp_path, "orders__lines", query) == [("c",), ("z",)]


def test_copies_left_by_a_crash_between_write_and_delete_are_removed(tmp_path, lake_settings):
    lake = load_both(tmp_path, lake_settings, [lambda: [orders([{"id": 1, "v": 1}, {"id": 2, "v": 1}])]])
    folder = table_folder(lake_settings, "raw_case", "orders")
    [only] = parquet_files(folder)
    shutil.copy(
        only, folder / f"{only.name.split('.')[0]}.crashcopy.parquet"
    )  # the file a crash did not delete
    settle_lake(lake, lake_settings)
    assert lake_rows(lake_settings, "orders", "id, v") == [(1, 1), (2, 1)]
    settle_lake(lake, lake_settings)  # converged: nothing more to do
    assert len(parquet_files(folder)) == 1


def test_a_source_that_found_nothing_is_an_empty_table_with_its_columns(tmp_path, lake_settings):
    columns = {"id": {"data_type": "bigint"}, "amount": {"data_type": "decimal"}}

    @dlt.resource(name="refunds", write_disposition="replace", columns=columns)
    def refunds():
        yield empty_table(columns)  # what every source yields when its API returned nothing

    load_both(tmp_path, lake_settings, [lambda: [refunds()]])
    files = parquet_files(table_folder(lake_settings, "raw_case", "refunds"))
    assert files, "an empty Parquet file stands for the empty table"
    with duckdb.connect() as connection:
        columns = [
            row[0]
            for row in connection.execute(f"describe select * from read_parquet('{files[0]}')").fetchall()
        ]
    assert {"id", "amount"} <= set(columns)
    with duckdb.connect(str(lake_settings.warehouse_path), read_only=True) as connection:
        assert connection.execute("select count(*) from raw_case.refunds").fetchall() == [(0,)]


def test_the_warehouse_file_views_the_lake_and_its_load_log(tmp_path, lake_settings):
    @dlt.resource(name="customers", write_disposition="merge", primary_key="id")
    def customers():
        yield [{"id": 1}, {"id": 2}]

    load_both(tmp_path, lake_settings, [lambda: [customers()]])
    with duckdb.connect(str(lake_settings.warehouse_path), read_only=True) as connection:
        assert connection.execute("select count(*) from raw_case.customers").fetchall() == [(2,)]
        [(status, inserted_at)] = connection.execute(
            "select status, inserted_at from raw_case._dlt_loads"
        ).fetchall()
    assert status == 0 and inserted_at.tzinfo is not None


def test_nested_arrow_columns_become_the_json_text_the_duckdb_destination_stores(tmp_path):
    import pyarrow as pa

    table = pa.table(
        {
            "event_key": ["e1", "e2"],
            "device": [{"category": "mobile", "web_info": {"browser": "Safari"}}, None],
            "event_params": [[{"key": "ga_session_id", "value": {"int_value": 7, "string_value": None}}], []],
        }
    )

    @dlt.resource(name="events")
    def events():
        yield table

    warehouse = dlt.pipeline(
        "json_case",
        destination=dlt.destinations.duckdb(str(tmp_path / "r.duckdb")),
        dataset_name="raw_case",
        pipelines_dir=str(tmp_path / "p"),
    )
    warehouse.run(events(), loader_file_format="parquet").raise_on_failed_jobs()
    with duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True) as connection:
        stored = connection.execute(
            "select event_key, device::varchar, event_params::varchar from raw_case.events order by 1"
        ).fetchall()
    converted = nested_as_json(table)
    assert (
        sorted(
            zip(
                *(converted.column(n).to_pylist() for n in ("event_key", "device", "event_params")),
                strict=True,
            )
        )
        == stored
    )


def test_arrow_loads_without_dlt_columns_replace_a_re_exported_day_too(tmp_path, lake_settings):
    """GA4 loads Arrow tables: no _dlt_id or _dlt_load_id in the rows; the file names tell the load."""
    import pyarrow as pa

    def arrow_events(days, names):
        return events(pa.table({"day": days, "event": names}))

    load_both(
        tmp_path,
        lake_settings,
        [
            lambda: [arrow_events(["d1", "d1", "d2"], ["a", "b", "c"])],
            lambda: [arrow_events(["d1"], ["a2"])],
            lambda: [arrow_events(["d3"], ["e"])],
        ],
    )
    expected = [("d1", "a2"), ("d2", "c"), ("d3", "e")]
    assert lake_rows(lake_settings, "events", "day, event") == expected
    assert reference_rows(tmp_path, "events", "day, event") == expected
