"""Reading GA4 BigQuery export files into typed Arrow tables, and keying their events.

Pure functions, no dlt: the source composes them. The export schema itself is a public wire
format shared with the sandbox (`microfunnel.ga4_export_schema`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import BinaryIO

import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq

from microfunnel.ga4_export_schema import GA4_EXPORT_SCHEMA, JSON_WIRE_SCHEMA

JSON_BLOCK_BYTES = 1 << 22  # 4 MiB: ~1.5x faster than 16 MiB here (more blocks for the reader's threads)
EXPORT_FILE = re.compile(r"events_(\d{8})(?:[-_][^/]*)?\.(json|jsonl|ndjson|parquet)(\.gz)?$")


class Ga4ExportError(ValueError):
    """An export file could not be read; the message names the file and what to check."""


def export_day(file_name: str) -> date | None:
    """The day an export file holds, from its name (`events_20261005.json` -> 2026-10-05)."""
    match = EXPORT_FILE.search(file_name)
    if not match:
        return None
    text = match.group(1)
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def parse_export_json(stream: BinaryIO, file_name: str) -> pa.Table:
    """Parse newline-delimited JSON export rows into GA4_EXPORT_SCHEMA (unknown columns ignored)."""
    try:
        table = pj.read_json(
            stream,
            read_options=pj.ReadOptions(block_size=JSON_BLOCK_BYTES),
            parse_options=pj.ParseOptions(
                explicit_schema=JSON_WIRE_SCHEMA, unexpected_field_behavior="ignore"
            ),
        )
        return table.cast(GA4_EXPORT_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise Ga4ExportError(
            f"GA4 export file {file_name}: not in BigQuery's newline-delimited JSON export format ({exc}). "
            "Export the events_YYYYMMDD table as NEWLINE_DELIMITED_JSON or PARQUET and try again; "
            "no rows from this file were loaded."
        ) from exc


def parse_export_parquet(stream: BinaryIO, file_name: str) -> pa.Table:
    """Read a Parquet export and conform it to GA4_EXPORT_SCHEMA (missing columns become NULL)."""
    try:
        table = pq.read_table(stream)
    except (pa.ArrowInvalid, OSError) as exc:
        raise Ga4ExportError(f"GA4 export file {file_name}: not a readable Parquet file ({exc}).") from exc
    columns = []
    for field in GA4_EXPORT_SCHEMA:
        if field.name in table.column_names:
            try:
                columns.append(table.column(field.name).cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise Ga4ExportError(
                    f"GA4 export file {file_name}: column {field.name!r} has type "
                    f"{table.schema.field(field.name).type}, expected {field.type} ({exc})."
                ) from exc
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=GA4_EXPORT_SCHEMA)
