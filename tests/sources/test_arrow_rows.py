"""Shopify and Klaviyo rows reach dlt as Arrow tables (ingestion/sources/arrow_rows.py) that must load
exactly as the dict rows did: the same rows, columns, types, nullability and column order."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from dlt.common.data_types.type_helpers import coerce_value

from ingestion.pipelines import run_source
from ingestion.sources.arrow_rows import arrow_table
from ingestion.sources.google_ads.settings import CAMPAIGN_STATS_COLUMNS
from ingestion.sources.shopify.settings import ORDER_COLUMNS
from tests.support.environment import temp_settings
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow

TABLES = {
    "shopify": ("shop", "orders", "order_lines", "customers"),
    "klaviyo": ("events", "profiles", "campaigns", "flows"),
    "google_ads": ("click_view",),
}


def fingerprint(warehouse: Path, source: str, table: str) -> tuple:
    """The table's columns (in order, typed, nullability) and its rows (without dlt's per-load ids)."""
    columns = rows(
        warehouse,
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [f"raw_{source}", table],
    )
    data = ", ".join(f'"{name}"' for name, _, _ in sorted(columns) if name not in ("_dlt_id", "_dlt_load_id"))
    content = rows(
        warehouse, f"select cast(row({data}) as varchar) as r from raw_{source}.{table} order by r"
    )
    return columns, content


@pytest.mark.parametrize("source", sorted(TABLES))
def test_arrow_tables_load_the_same_rows_columns_and_types_as_dict_rows(
    source, server, settings, tmp_path, monkeypatch
):
    run_source(source, settings)
    as_dicts = temp_settings(tmp_path / "dicts")
    monkeypatch.setattr(
        "ingestion.sources.arrow_rows.arrow_table", lambda *args: None
    )  # every batch as dicts
    run_source(source, as_dicts)
    for table in TABLES[source]:
        arrow, dicts = (
            fingerprint(settings.warehouse_path, source, table),
            fingerprint(as_dicts.warehouse_path, source, table),
        )
        assert arrow == dicts, table
        assert len(arrow[1]) > 0, f"{table} must hold rows for this test to mean anything"


@pytest.mark.parametrize("source", sorted(TABLES))
def test_tables_that_held_dict_rows_take_arrow_tables_on_the_next_run(
    source, server, settings, tmp_path, monkeypatch
):
    """A warehouse loaded before its source sent Arrow tables (dict rows, columns made from the
    hints, `nullable` unsaid) takes them under the frozen data-type contract, and ends as a
    warehouse that got dict rows twice."""
    with monkeypatch.context() as as_dicts:
        as_dicts.setattr("ingestion.sources.arrow_rows.arrow_table", lambda *args: None)
        run_source(source, settings)
    tables_made = []

    def counted(*args):
        table = arrow_table(*args)
        tables_made.append(table is not None)
        return table

    monkeypatch.setattr("ingestion.sources.arrow_rows.arrow_table", counted)
    run_source(source, settings)
    assert any(tables_made), "the second run must re-read rows and send them as Arrow"
    twice_as_dicts = temp_settings(tmp_path / "dicts")
    monkeypatch.setattr("ingestion.sources.arrow_rows.arrow_table", lambda *args: None)
    run_source(source, twice_as_dicts)
    run_source(source, twice_as_dicts)
    for table in TABLES[source]:
        assert fingerprint(settings.warehouse_path, source, table) == fingerprint(
            twice_as_dicts.warehouse_path, source, table
        ), table


def test_declared_values_convert_as_dlt_would_coerce_them():
    row = {
        "id": "gid://shopify/Order/1",
        "legacy_resource_id": "42",
        "created_at": "2026-10-25T01:30:00Z",
        "total_price_set__shop_money__amount": "12.30",
        "custom_attributes": [{"key": "_ga", "value": "GA1.1.1.2"}],
    }
    table = arrow_table([row], ORDER_COLUMNS, {}, "1.2").to_pylist()[0]
    for column, hint in ORDER_COLUMNS.items():
        if column in row and hint["data_type"] != "json":
            assert table[column] == coerce_value(hint["data_type"], "text", row[column]), column
    assert table["custom_attributes"] == '[{"key":"_ga","value":"GA1.1.1.2"}]'
    assert table["_dlt_load_id"] == "1.2" and table["_dlt_id"]


def test_dates_and_doubles_convert_as_dlt_would_coerce_them():
    """Google Ads' `segments__date` (text in the API's JSON) and a double column holding ints and
    floats: the values dlt's coercion makes of them, in the Arrow types of those dlt types."""
    columns = CAMPAIGN_STATS_COLUMNS
    rows = [
        {"campaign__id": "1", "segments__date": "2026-10-25", "metrics__conversions": 2},
        {"campaign__id": "2", "segments__date": "2026-02-28", "metrics__conversions": 0.5},
    ]
    table = arrow_table(rows, columns, {}, "1.2")
    assert table.schema.field("segments__date").type == pa.date32()
    assert table.schema.field("metrics__conversions").type == pa.float64()
    for row, converted in zip(rows, table.to_pylist(), strict=True):
        for column, value in row.items():
            data_type = columns[column]["data_type"]
            from_type = (
                "bigint" if isinstance(value, int) else "double" if isinstance(value, float) else "text"
            )
            assert converted[column] == coerce_value(data_type, from_type, value), column
    assert arrow_table([rows[0] | {"segments__date": "2026-13-01"}], columns, {}, "1.2") is None, (
        "a date dlt cannot coerce goes as dicts"
    )


@pytest.mark.parametrize(
    "moments",
    [
        ["2026-10-25T01:30:00+00:00", "2026-02-28T23:59:59+00:00"],  # Klaviyo's (Python's isoformat)
        ["2026-10-25T01:30:00Z", "2026-10-25T01:30:00+00:00", None],  # both UTC spellings in one batch
        ["2026-10-25T03:30:00+02:00", "2026-10-25T01:30:00Z"],  # another offset: dlt's coercion, per value
        ["2026-10-25T01:30:00.250+00:00"],  # fractions of a second: dlt's coercion too
    ],
)
def test_utc_timestamps_convert_as_dlt_would_coerce_them(moments):
    columns = {"id": {"data_type": "text"}, "datetime": {"data_type": "timestamp"}}
    rows = [{"id": str(i), "datetime": moment} for i, moment in enumerate(moments)]
    table = arrow_table(rows, columns, {}, "1.2")
    assert table.schema.field("datetime").type == pa.timestamp("us", tz="UTC")
    converted = [row["datetime"] for row in table.to_pylist()]
    expected = [None if m is None else coerce_value("timestamp", "text", m) for m in moments]
    assert converted == expected


@pytest.mark.parametrize(
    ("row", "why"),
    [
        (
            {"legacy_resource_id": "42-A"},
            "a declared bigint dlt cannot coerce: its contract must fail the load",
        ),
        ({"merchant_seen_at": "2026-10-25T01:30:00Z"}, "a new text column dlt would detect as a timestamp"),
        ({"merchant_tags": ["a", "b"]}, "a new list column: dlt types it json"),
    ],
)
def test_a_batch_dlt_would_type_its_own_way_goes_as_dicts(row, why):
    assert arrow_table([{"id": "gid://shopify/Order/1"} | row], ORDER_COLUMNS, {}, "1.2") is None, why
