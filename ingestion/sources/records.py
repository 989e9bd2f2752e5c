"""What the three API sources share besides HTTP: flat raw rows, date windows, the schema contract.

Flat rows. Every raw table must be exactly one resource (one Dagster asset), so the sources run
with `max_table_nesting=0`, which keeps nested objects as JSON columns. We still want scalar
paths as real, typed columns (`metrics__cost_micros` bigint) so merges can key on them and the
contract can freeze their types. So objects are flattened here (`{"metrics": {"costMicros":
"1"}}` -> `metrics__cost_micros`, dlt's own naming) and lists stay JSON. A field the vendor
adds tomorrow becomes a new column without a code change.

Declared tables. Every raw table a source declares exists, typed, after the first run even
when the API returned nothing (a paused ad account, a shop without orders yet): a resource that
found no rows yields one empty Arrow table, and dlt creates the table from the declared column
hints (verified: it creates every hinted column with its type, and later rows merge into it).

Date windows. Ad platforms revise recent days (late attribution), so each run re-reads from
the newest day loaded minus a lookback, up to today (or `end_date`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import pyarrow as pa

# New tables and columns may appear (schema drift is expected); a column whose values change
# type (bigint -> text) fails the load instead of growing a `__v_text` variant column.
SCHEMA_CONTRACT = {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(name: str) -> str:
    """`advertisingChannelType` -> `advertising_channel_type` (dlt's snake_case convention)."""
    return _CAMEL.sub("_", name).lower()


@lru_cache(maxsize=4096)  # an API's field names are few, its rows many: each column name made once
def _column(prefix: str, key: str) -> str:
    return prefix + snake(key)


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become `parent__child` columns; lists and scalars are kept; nulls are left out.

    Leaving nulls out (as proto3 JSON does) keeps dlt from meeting all-null columns it cannot
    type; the columns the models read are declared with types, so they exist regardless.
    Snake-casing every key of every row by regex was a fifth of a Shopify load's time, a tenth of
    a Google Ads one: each name is made once (`_column`).
    """
    row: dict[str, Any] = {}
    for key, value in record.items():
        column = _column(prefix, key)
        if isinstance(value, dict):
            row.update(flatten(value, column + "__"))
        elif value is not None:
            row[column] = value
    return row


def today_utc() -> date:
    return datetime.now(UTC).date()


def date_window(
    last_loaded: str | None,
    start_date: str | None,
    end_date: str | None,
    lookback_days: int,
    history_days: int,
) -> tuple[date, date]:
    """(since, until): the newest day loaded minus the lookback, else start_date, else history_days ago."""
    until = date.fromisoformat(end_date) if end_date else today_utc()
    if last_loaded:
        since = date.fromisoformat(last_loaded) - timedelta(days=lookback_days)
        if start_date:
            since = max(since, date.fromisoformat(start_date))
    elif start_date:
        since = date.fromisoformat(start_date)
    else:
        since = until - timedelta(days=history_days)
    return since, until


def chunks(since: date, until: date, days: int) -> list[tuple[date, date]]:
    """Split [since, until] into consecutive windows of at most `days` days."""
    windows, start = [], since
    while start <= until:
        end = min(until, start + timedelta(days=days - 1))
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


# The Arrow type of each dlt type a raw API column can have: empty tables and the Arrow rows of
# arrow_rows.py alike.
ARROW_TYPES = {
    "text": pa.string(),
    "json": pa.string(),  # the hint keeps the column JSON
    "bigint": pa.int64(),
    "double": pa.float64(),
    "decimal": pa.decimal128(38, 9),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def empty_table(columns: Mapping[str, Mapping[str, Any]]) -> pa.Table:
    """No rows, the declared columns: what a resource yields when the API returned nothing."""
    return pa.schema(
        [pa.field(name, ARROW_TYPES[hint["data_type"]]) for name, hint in columns.items()]
    ).empty_table()


def rows_or_empty(pages: Iterable[list[dict]], columns: Mapping[str, Mapping[str, Any]]) -> Iterator[Any]:
    """Every non-empty page (rows, or a batch `arrow_rows.rows_for_dlt` made of them); when there was
    none, one empty table with the declared columns."""
    empty = True
    for page in pages:
        if page:
            empty = False
            yield page
    if empty:
        yield empty_table(columns)
