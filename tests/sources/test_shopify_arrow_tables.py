"""Shopify rows reach dlt as Arrow tables (ingestion/sources/shopify/tables.py) that must load exactly as
the dict rows did: the same rows, columns, types, nullability and column order."""

from __future__ import annotations

from pathlib import Path

import pytest
from dlt.common.data_types.type_helpers import coerce_value

from ingestion.pipelines import run_source
from ingestion.sources.shopify.settings import ORDER_COLUMNS
from ingestion.sources.shopify.tables import arrow_table
from tests.support.environment import temp_settings
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow

SHOPIFY_TABLES = ("shop", "orders", "order_lines", "customers")


def fingerprint(warehouse: Path, table: str) -> tuple:
    """The table's columns (in order, typed, nullability) and its rows (without dlt's per-load ids)."""
    columns = rows(
        warehouse,
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_schema = 'raw_shopify' and table_name = ? order by ordinal_position",
        [table],
    )
    data = ", ".join(f'"{name}"' for name, _, _ in sorted(columns) if name not in ("_dlt_id", "_dlt_load_id"))
    content = rows(warehouse, f"select cast(row({data}) as varchar) as r from raw_shopify.{table} order by r")
    return columns, content


def test_arrow_tables_load_the_same_rows_columns_and_types_as_dict_rows(
    server, settings, tmp_path, monkeypatch
):
    run_source("shopify", settings)
    as_dicts = temp_settings(tmp_path / "dicts")
    monkeypatch.setattr("ingestion.sources.shopify.arrow_table", lambda *args: None)  # every batch as dicts
    run_source("shopify", as_dicts)
    for table in SHOPIFY_TABLES:
        arrow, dicts = (
            fingerprint(settings.warehouse_path, table),
            fingerprint(as_dicts.warehouse_path, table),
        )
        assert arrow == dicts, table
        assert len(arrow[1]) > 0, f"{table} must hold rows for this test to mean anything"


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
