"""A GA4 export day's keys and de-duplication (ingestion/sources/ga4 `_keyed_day`), on hand-made rows:
the first delivery of an event (the earliest server offset, then the first row) is the one kept,
in the file's order, whichever rows the duplicates are."""

import json

import duckdb
import pyarrow as pa
import pytest

from ingestion.sources.ga4 import _keyed_day, _with_file_columns
from microfunnel.ga4_export_schema import GA4_EXPORT_SCHEMA


def export_rows(deliveries: list[tuple[str, int, int]]) -> pa.Table:
    """One row per (user_pseudo_id, event_timestamp, event_server_timestamp_offset) delivery."""
    columns = {field.name: pa.nulls(len(deliveries), field.type) for field in GA4_EXPORT_SCHEMA}
    columns["user_pseudo_id"] = pa.array([cookie for cookie, _, _ in deliveries])
    columns["event_timestamp"] = pa.array([ts for _, ts, _ in deliveries], pa.int64())
    columns["event_server_timestamp_offset"] = pa.array([offset for _, _, offset in deliveries], pa.int64())
    columns["event_name"] = pa.array(["page_view"] * len(deliveries))
    return _with_file_columns(pa.table(columns, schema=GA4_EXPORT_SCHEMA), "events_20261001.json", None, None)


def test_each_event_keeps_its_earliest_delivery_in_the_files_order():
    deliveries = [
        ("a", 1, 50),  # 0: a later delivery of row 2's event
        ("b", 2, 10),  # 1
        ("a", 1, 40),  # 2: kept (earliest offset)
        ("c", 3, 5),  # 3: kept (first of two equal offsets)
        ("c", 3, 5),  # 4
        ("d", 4, 1),  # 5
        ("d", 4, 9),  # 6
    ]
    with duckdb.connect() as connection:
        keyed = _keyed_day([export_rows(deliveries)], None, connection)
        again = _keyed_day([export_rows(deliveries[::-1])], None, connection)  # the same connection, reused
    kept = [
        tuple(row.values())
        for row in keyed.select(["user_pseudo_id", "event_server_timestamp_offset"]).to_pylist()
    ]
    assert kept == [("b", 10), ("a", 40), ("c", 5), ("d", 1)]
    assert len(set(keyed.column("event_key").to_pylist())) == 4
    assert set(again.column("event_key").to_pylist()) == set(keyed.column("event_key").to_pylist())


@pytest.mark.parametrize(
    "dropped", [[], [1], [9], [1, 2, 3], [3, 4, 8, 9], [1, 3, 5, 7], list(range(1, 10))], ids=str
)
def test_rows_dropped_equal_the_rows_taken_and_duckdb_reads_their_nested_columns(dropped):
    """Each row in `dropped` is a later delivery of row 0's event (a dropped first row: the test
    above). DuckDB refused zero-copy slices of a struct inside a struct (`device.web_info`) left at an
    offset: the Spark lake converts the nested columns to JSON in DuckDB (ingestion.lake)."""
    deliveries = [("a", 0, i) if i in dropped else (f"c{i}", i, i) for i in range(10)]
    deliveries[0] = ("a", 0, -1)  # the first delivery of the event the dropped rows repeat
    table = export_rows(deliveries)
    device = pa.array(
        [{"category": "mobile", "web_info": {"browser": str(i)}} for i in range(10)],
        GA4_EXPORT_SCHEMA.field("device").type,
    )
    table = table.set_column(table.schema.get_field_index("device"), "device", device)
    kept = [i for i in range(10) if i not in dropped]
    with duckdb.connect() as connection:
        keyed = _keyed_day([table], None, connection)
        assert keyed.drop_columns(["event_key"]).equals(table.take(pa.array(kept, pa.int64())))
        connection.register("item", keyed)
        rows = connection.sql("select to_json(device)::varchar from item").fetchall()
    assert [json.loads(text)["web_info"]["browser"] for (text,) in rows] == [str(i) for i in kept]
