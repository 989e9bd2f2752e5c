"""API rows as one Arrow table: the rows, columns and types dlt would make of the dicts.

Why: dlt normalizes dict rows value by value (the demo world's 3,000 Shopify orders, 3,700 lines
and 7,800 customers took its normalize step 1.3 s; its 30,000 Klaviyo events and 8,500 profiles
most of that source's 8 s), while an Arrow table goes to the load file whole (0.1 s). The
Shopify and Klaviyo sources hand their rows to dlt through `rows_for_dlt`. The table is built to
be indistinguishable from the dicts once loaded:

- every value is converted by dlt's own coercion (`coerce_value`), to the column's type in the
  pipeline's schema, else its declared hint, else the type dlt infers from the first value;
- columns come in the order dlt gives dict rows: the declared ones, the first row's others, the
  system columns (`_dlt_load_id`, `_dlt_id`, which the dict normalizer would add), then
  the columns later rows bring;
- a value that would need more than that (a new column whose first value looks like a
  timestamp, a nested list in an undeclared column, a value dlt could not coerce) makes
  `arrow_table` return None: `rows_for_dlt` hands over the dicts, and dlt decides as it always
  has, schema contract included.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.data_types.type_helpers import coerce_value, py_type_to_sc_type
from dlt.common.json import json
from dlt.common.normalizers.utils import generate_dlt_ids
from dlt.common.schema.detections import is_iso_timestamp

from ingestion.sources.records import ARROW_TYPES, rows_or_empty

ROWS_PER_TABLE = 5_000  # rows per Arrow table handed to dlt (whole pages, joined until they hold it)
# types whose values pass through as they are
_PYTHON_TYPES = {"text": str, "bigint": int, "bool": bool, "double": float}
LOAD_ID, ROW_ID = "_dlt_load_id", "_dlt_id"


def system_columns() -> dict[str, dict]:
    """The columns dlt's dict normalizer adds, with the hints its schema gives them (not_null,
    unique, row_key); fresh dicts each call, as dlt writes into the hints it is given."""
    return {
        LOAD_ID: {"data_type": "text", "nullable": False},
        ROW_ID: {"data_type": "text", "nullable": False, "unique": True, "row_key": True},
    }


def rows_for_dlt(rows: list[dict[str, Any]], table: str, columns: dict) -> Any:
    """The rows (at least one) as one Arrow table, or the dicts themselves where dlt has to decide.

    `table`: the resource's table; `columns`: its declared column hints. The Arrow table carries
    dlt's own hints for its `_dlt_load_id`/`_dlt_id` columns; dicts get them from dlt's
    normalizer, as before."""
    load_id = dlt.current.load_package_state()["load_id"]
    arrow = arrow_table(rows, columns, current_schema_types(table), load_id)
    if arrow is None:
        return rows
    hints_said(table)
    return dlt.mark.with_hints(arrow, dlt.mark.make_hints(columns=system_columns()))


def tables_or_empty(
    pages: Iterable[list[dict]], table: str, columns: dict, size: int = ROWS_PER_TABLE
) -> Iterator[Any]:
    """`records.rows_or_empty` as Arrow tables: the pages joined into batches of at least `size`
    rows, each through `rows_for_dlt`; when there was no row, one empty table of the declared
    columns (dlt creates the table from it)."""
    return rows_or_empty((rows_for_dlt(rows, table, columns) for rows in batched(pages, size)), columns)


def hints_said(table: str) -> None:
    """Every typed column of `table` in the running pipeline's schema says what an Arrow column says.

    A column declared by a hint or made from dict rows leaves `nullable` unsaid (which means
    nullable) and a decimal its precision and scale (which means the destination's default, 38
    and 9 on DuckDB), while an Arrow column always says them. dlt counts both among a column's
    type properties, so under the frozen data-type contract (records.SCHEMA_CONTRACT) a said one
    against an unsaid one fails the load as a changed type: a table that held dict rows, or that
    the hints created, could never take Arrow tables. Saying them (what unsaid means, the same
    DDL) before an Arrow table goes lets it."""
    schema = dlt.current.source_schema()
    if table not in schema.tables:
        return
    decimal = ARROW_TYPES["decimal"]
    for column in schema.get_table_columns(table).values():
        if column.get("data_type"):
            column.setdefault("nullable", True)
        if column.get("data_type") == "decimal" and "precision" not in column:
            column.update(precision=decimal.precision, scale=decimal.scale)


def batched(pages: Iterable[list[dict]], size: int) -> Iterator[list[dict]]:
    """Consecutive pages joined into lists of at least `size` rows (the last may hold fewer).

    dlt spends a few milliseconds on every item it extracts, whatever its size: one Arrow table per
    thousands of rows costs nothing, one per 25-order page most of the load."""
    batch: list[dict] = []
    for rows in pages:
        batch.extend(rows)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def arrow_table(
    rows: list[dict[str, Any]],
    declared: Mapping[str, Mapping[str, Any]],
    schema_types: Mapping[str, str],
    load_id: str,
) -> pa.Table | None:
    """The flat rows (at least one) typed as dlt would type them, or None: then yield the dicts.

    `declared`: the resource's column hints; `schema_types`: column -> data type of the table in
    the pipeline's schema (`current_schema_types`); `load_id`: the load package's."""
    known = {name: hint["data_type"] for name, hint in declared.items() if name not in (LOAD_ID, ROW_ID)}
    known |= {name: data_type for name, data_type in schema_types.items() if name not in (LOAD_ID, ROW_ID)}
    first = dict.fromkeys(rows[0])
    later = dict.fromkeys(name for row in rows[1:] for name in row if name not in first)
    names = list(
        dict.fromkeys(
            [n for n in declared if n not in (LOAD_ID, ROW_ID)]
            + [n for n in first if n not in declared]
            + [LOAD_ID, ROW_ID]
            + [n for n in later if n not in declared]
        )
    )
    fields, arrays = [], []
    for name in names:
        if name == LOAD_ID:
            array = pa.array([load_id] * len(rows), pa.string())
        elif name == ROW_ID:
            array = pa.array(generate_dlt_ids(len(rows)), pa.string())
        else:
            values = [row.get(name) for row in rows]
            data_type = known.get(name) or _inferred_type(values)
            array = _array(values, data_type) if data_type in ARROW_TYPES else None
            if array is None:
                return None
        nullable = name not in (LOAD_ID, ROW_ID) and (declared.get(name) or {}).get("nullable", True)
        if not nullable and array.null_count:
            return None
        fields.append(pa.field(name, array.type, nullable=nullable))
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def current_schema_types(table: str) -> dict[str, str]:
    """Column types the running pipeline's schema holds for `table` (they win, as they do for dicts)."""
    schema = dlt.current.source_schema()
    if table not in schema.tables:
        return {}
    return {
        name: column["data_type"]
        for name, column in schema.get_table_columns(table).items()
        if column.get("data_type")
    }


def _inferred_type(values: list) -> str | None:
    """The type dlt gives a new column from its first value; None where the table could differ."""
    first = next((value for value in values if value is not None), None)
    data_type = py_type_to_sc_type(type(first))
    if data_type == "text" and is_iso_timestamp(str, first):  # dlt's timestamp detection
        return None
    return data_type if data_type in _PYTHON_TYPES else None


def _array(values: list, data_type: str) -> pa.Array | None:
    """The values as dlt's normalizer stores them in a `data_type` column; None if one cannot be."""
    arrow_type = ARROW_TYPES[data_type]
    python_type = _PYTHON_TYPES.get(data_type)
    if python_type is not None and all(type(value) is python_type or value is None for value in values):
        converted: list | None = values
    elif data_type in _STRICT_TEXT and (array := _from_strict_text(values, data_type)) is not None:
        return array
    else:
        converted = _coerced(values, data_type)
    if converted is None:
        return None
    try:
        return pa.array(converted, arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # beyond 64 bits, finer than 9 places
        return None


# Text in exactly these shapes converts in Arrow, all at once, to what dlt's coercion makes of it.
_STRICT_TEXT = {
    # RFC 3339 UTC, whole seconds: `Z` (Shopify) or `+00:00` (Klaviyo, Python's isoformat)
    "timestamp": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|\+00:00)$",
    "decimal": r"^-?[0-9]+(\.[0-9]+)?$",
    "bigint": r"^-?[0-9]+$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
}


def _from_strict_text(values: list, data_type: str) -> pa.Array | None:
    try:
        text = pa.array(values, pa.string())
        if pc.all(pc.match_substring_regex(text, _STRICT_TEXT[data_type])).as_py() is False:
            return None
        if data_type == "timestamp":
            utc = pc.replace_substring_regex(text, pattern=r"\+00:00$", replacement="Z")
            return pc.strptime(utc, format="%Y-%m-%dT%H:%M:%SZ", unit="us").cast(ARROW_TYPES[data_type])
        if data_type == "date":
            return pc.strptime(text, format="%Y-%m-%d", unit="s").cast(ARROW_TYPES[data_type])
        return text.cast(ARROW_TYPES[data_type])
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text, a month 13, a decimal finer than 9 places
        return None


def _coerced(values: list, data_type: str) -> list | None:
    """dlt's own coercion, value by value (what its normalizer does with a dict row)."""
    converted = []
    try:
        for value in values:
            if value is None:
                converted.append(None)
                continue
            from_type = py_type_to_sc_type(type(value))
            same = from_type == data_type and data_type != "json"
            converted.append(value if same else coerce_value(data_type, from_type, value))
    except (ValueError, TypeError):
        return None
    if data_type == "json":  # dlt's writer stores JSON as its own compact dump
        return [None if value is None else json.dumps(value) for value in converted]
    return converted
