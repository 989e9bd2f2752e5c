"""GA4 event-level data from BigQuery export files (`events_YYYYMMDD`), NDJSON or Parquet.

Reads a local folder or any bucket URL dlt's filesystem understands (s3://, gs://, az://,
file://), by export day, re-reading the last LOOKBACK_DAYS days because GA4 revises them.
Rows are merged on a deterministic `event_key`, so a re-run or a re-exported day adds no
duplicates, and exact duplicate deliveries inside a file collapse to one row.

With `end_date` the source reads a window instead: exactly the files of the export days
`start_date`..`end_date` (inclusive, ISO dates), whatever the cursor says, and leaves the cursor
alone. That is what a partition run or a backfill of past days asks for.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

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
from ingestion.sources.ga4.settings import DEFAULT_FILE_GLOB, EVENT_KEY_COLUMNS, LOOKBACK_DAYS


@dlt.source(name="ga4", max_table_nesting=0)
def ga4(
    bucket_url: str = dlt.config.value,
    file_glob: str = DEFAULT_FILE_GLOB,
    start_date: str | None = None,
    lookback_days: int = LOOKBACK_DAYS,
    end_date: str | None = None,
) -> dlt.sources.DltResource:
    """The GA4 export at `bucket_url` (SOURCES__GA4__BUCKET_URL); from `start_date` if given.

    With `end_date`: only the export days `start_date`..`end_date`, regardless of the cursor.
    """
    if end_date is not None and start_date is None:
        raise ValueError("ga4: end_date needs start_date (the window is start_date..end_date, inclusive)")
    return events(bucket_url, file_glob, start_date, lookback_days, end_date)


@dlt.resource(name="events", write_disposition="merge", primary_key="event_key")
def events(
    bucket_url: str, file_glob: str, start_date: str | None, lookback_days: int, end_date: str | None = None
) -> Iterator[pa.Table]:
    """One row per GA4 event, as exported, plus `event_key` and the export file it came from."""
    state = dlt.current.resource_state()
    last_day = date.fromisoformat(state["last_export_day"]) if state.get("last_export_day") else None
    window_end = date.fromisoformat(end_date) if end_date else None
    since = (
        date.fromisoformat(start_date)
        if window_end
        else _first_day_to_read(last_day, start_date, lookback_days)
    )
    files = sorted(
        (
            item
            for item in filesystem(bucket_url=bucket_url, file_glob=file_glob)
            if export_day(item["file_name"])
        ),
        key=lambda item: item["file_name"],
    )
    newest = last_day
    for item in files:
        day = export_day(item["file_name"])
        if since and day < since or window_end and day > window_end:
            continue
        table = _read(item)
        if table.num_rows:
            yield _with_event_keys(table, item["file_url"])
        newest = max(newest or day, day)
    if newest and not window_end:  # a window (backfill) leaves the incremental cursor where it was
        state["last_export_day"] = newest.isoformat()


def _first_day_to_read(last_day: date | None, start_date: str | None, lookback_days: int) -> date | None:
    """Continue from the newest day loaded minus the revision window; first run: from start_date."""
    if last_day:
        return last_day - timedelta(days=lookback_days)
    return date.fromisoformat(start_date) if start_date else None


def _read(item: FileItemDict) -> pa.Table:
    name = item["file_url"]
    with item.open(compression="auto") as stream:
        if ".parquet" in item["file_name"]:
            return parse_export_parquet(stream, name)
        return parse_export_json(stream, name)


def _with_event_keys(table: pa.Table, file_url: str) -> pa.Table:
    """Add a deterministic event key and drop exact duplicate deliveries of one event."""
    key_parts = ", ".join(f"coalesce(cast({column} as varchar), '')" for column in EVENT_KEY_COLUMNS)
    connection = duckdb.connect()
    connection.register("events_table", table)
    try:
        keyed = connection.sql(
            f"""
            select md5(concat_ws('|', {key_parts})) as event_key, *, ? as _export_file
            from events_table
            qualify row_number() over (partition by event_key order by event_server_timestamp_offset) = 1
            """,
            params=[file_url],
        ).to_arrow_table()
    except duckdb.Error as exc:
        raise Ga4ExportError(f"GA4 export file {file_url}: could not key its events ({exc})") from exc
    finally:
        connection.close()
    key_field = keyed.schema.field("event_key").with_nullable(False)  # a primary key, as dlt's schema says
    return keyed.cast(keyed.schema.set(0, key_field))


__all__ = ["ga4", "events", "Ga4ExportError"]
