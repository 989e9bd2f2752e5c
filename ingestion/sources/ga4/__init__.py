"""GA4 event-level data from BigQuery export files (`events_YYYYMMDD`), NDJSON or Parquet.

Reads a local folder or any bucket URL dlt's filesystem understands (s3://, gs://, az://,
file://). Which files: every export file new or changed since the last run, whatever day it
holds (an incremental cursor on the files' `modification_date`): GA4 re-exports a day when
late events arrive, and so do re-run export jobs, backfills and consent-mode corrections, at
any age. `start_date`/`end_date` (inclusive export days) instead read the files of those days
regardless of the cursor, for backfills, and leave the cursor alone.

A file holds its whole day, so its rows REPLACE that day's rows (`delete-insert` on the export
day, `_export_day`): a re-exported day never doubles an event, and the rows of a day come only
from that day's latest file. Exact duplicate deliveries inside a file collapse to one row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

import dlt
import duckdb
import pyarrow as pa
from dlt.sources.filesystem import FileItemDict, filesystem

from ingestion.sources.ga4.helpers import (
    Ga4ExportError,
    export_day,
    parse_export_json,
    parse_export_parquet,
)
from ingestion.sources.ga4.settings import DEFAULT_FILE_GLOB, EVENT_KEY_COLUMNS
from microfunnel.ga4_export_schema import GA4_EXPORT_SCHEMA


@dlt.source(name="ga4", max_table_nesting=0)
def ga4(
    bucket_url: str = dlt.config.value,
    file_glob: str = DEFAULT_FILE_GLOB,
    start_date: str | None = None,
    end_date: str | None = None,
) -> list[dlt.sources.DltResource]:
    """The GA4 export at `bucket_url` (SOURCES__GA4__BUCKET_URL).

    Without dates: the files changed since the last run. With `start_date` and/or `end_date`
    (ISO days, inclusive): the files of those export days, whatever the cursor says."""
    backfill = bool(start_date or end_date)
    if not _has_export_files(bucket_url, file_glob):
        return [no_events()]  # an empty bucket still declares the table, typed
    files = filesystem(
        bucket_url=bucket_url,
        file_glob=file_glob,
        incremental=None if backfill else dlt.sources.incremental("modification_date"),
    ).with_name("export_files")
    files.selected = False  # feeds `events`; not a table of its own
    first = date.fromisoformat(start_date) if start_date else None
    last = date.fromisoformat(end_date) if end_date else None
    return [files | events(first, last)]


@dlt.transformer(
    name="events",
    write_disposition={"disposition": "merge", "strategy": "delete-insert"},
    primary_key="event_key",
    merge_key="_export_day",
)
def events(files: Iterable[FileItemDict], first: date | None, last: date | None) -> Iterator[pa.Table]:
    """One row per GA4 event of each export file read, plus `event_key`, its file and export day."""
    for item in files:
        day = export_day(item["file_name"])
        if day is None or (first and day < first) or (last and day > last):
            continue
        yield _with_event_keys(_read(item), item["file_url"], day)


@dlt.resource(
    name="events",
    write_disposition={"disposition": "merge", "strategy": "delete-insert"},
    primary_key="event_key",
    merge_key="_export_day",
)
def no_events() -> Iterator[pa.Table]:
    """The events table with its declared columns and no rows: what an empty bucket loads."""
    yield _with_event_keys(GA4_EXPORT_SCHEMA.empty_table(), "", None)


def _has_export_files(bucket_url: str, file_glob: str) -> bool:
    listing = filesystem(bucket_url=bucket_url, file_glob=file_glob)
    return any(export_day(item["file_name"]) for page in listing for item in _as_list(page))


def _as_list(page) -> list:
    return page if isinstance(page, list) else [page]


def _read(item: FileItemDict) -> pa.Table:
    name = item["file_url"]
    with item.open(compression="auto") as stream:
        if ".parquet" in item["file_name"]:
            return parse_export_parquet(stream, name)
        return parse_export_json(stream, name)


def _with_event_keys(table: pa.Table, file_url: str, day: date | None) -> pa.Table:
    """Add a deterministic event key and the export day; drop exact duplicate deliveries of one event."""
    key_parts = ", ".join(f"coalesce(cast({column} as varchar), '')" for column in EVENT_KEY_COLUMNS)
    connection = duckdb.connect()
    connection.register("events_table", table)
    try:
        keyed = connection.sql(
            f"""
            select md5(concat_ws('|', {key_parts})) as event_key, *, ? as _export_file,
                   cast(? as date) as _export_day
            from events_table
            qualify row_number() over (partition by event_key order by event_server_timestamp_offset) = 1
            """,
            params=[file_url, day],
        ).to_arrow_table()
    except duckdb.Error as exc:
        raise Ga4ExportError(f"GA4 export file {file_url}: could not key its events ({exc})") from exc
    finally:
        connection.close()
    key_field = keyed.schema.field("event_key").with_nullable(False)  # a primary key, as dlt's schema says
    return keyed.cast(keyed.schema.set(0, key_field))


__all__ = ["ga4", "events", "Ga4ExportError"]
