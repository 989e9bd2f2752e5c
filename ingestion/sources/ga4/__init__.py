"""GA4 event-level data from BigQuery export files (`events_YYYYMMDD`), NDJSON or Parquet.

Reads a local folder or any bucket URL dlt's filesystem understands (s3://, gs://, az://,
file://). Which files: every export file new or changed since the last run, whatever day it
holds (an incremental cursor on the files' `modification_date`): GA4 re-exports a day when
late events arrive, and so do re-run export jobs, backfills and consent-mode corrections, at
any age. `start_date`/`end_date` (inclusive export days) instead read the files of those days
regardless of the cursor, for backfills, and leave the cursor alone.

A file holds its whole day, so its rows REPLACE that day's rows: a re-exported day never doubles
an event, and the rows of a day come only from that day's latest file(s). dlt appends the rows,
straight into the raw table, and each run stamps them `_extracted_at`; after the load,
`ingestion.replaced_rows` drops the rows of every export day (`_export_day`) older than the day's
newest stamp (SPEC.replaces_partitions). dlt's `delete-insert` merge did the same through a
staging copy of every row, which cost as much as the load itself. Exact duplicate deliveries inside
a day's files collapse to one row (the earliest server offset wins), so nothing is merged row by
row. dbt's staging rebuilds the days extracted after its last build.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime

import dlt
import duckdb
import numpy as np
import pyarrow as pa
from dlt.sources.filesystem import FileItemDict, filesystem

from ingestion.sources.ga4.helpers import (
    Ga4ExportError,
    export_day,
    parse_export_json,
    parse_export_parquet,
)
from ingestion.sources.ga4.settings import DEFAULT_FILE_GLOB, EVENT_KEY_COLUMNS, EXPORT_DAY, EXTRACTED_AT
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
    return [files | events(first, last, datetime.now(UTC))]


# A re-exported day replaces the day's rows (the files of a day hold the whole day): appended, then
# settled by `ingestion.replaced_rows`; the merge key tells the Spark lake's settle the same
# (ingestion.lake). No per-event merge: the rows are already unique by event_key (`_keyed_day`).
EVENTS_HINTS = {
    "name": "events",
    "write_disposition": "append",
    "merge_key": EXPORT_DAY,
    "columns": {"event_key": {"nullable": False, "primary_key": False, "unique": True}},
}


@dlt.transformer(**EVENTS_HINTS)
def events(
    files: Iterable[FileItemDict], first: date | None, last: date | None, extracted_at: datetime
) -> Iterator[pa.Table]:
    """One row per GA4 event of the export days read, plus `event_key`, its file and export day.

    The files of one export day are read together, so an event delivered twice (in one file or in
    two files of its day) is one row, and the load replaces the day's rows by these."""

    keys = duckdb.connect()  # one for every day's keys (a connection costs ~20 ms), in the reading thread

    def read_day(day: date, items: list[FileItemDict]) -> pa.Table:
        return _keyed_day(
            [_with_file_columns(_read(item), item["file_url"], day, extracted_at) for item in items],
            day,
            keys,
        )

    try:
        yield from _read_ahead(read_day, _files_by_day(files, first, last))
    finally:
        keys.close()


def _read_ahead(
    read_day: Callable[[date, list[FileItemDict]], pa.Table], days: Iterable[tuple[date, list[FileItemDict]]]
) -> Iterator[pa.Table]:
    """Each day's table in order, the next day read in a second thread while dlt writes this one.

    dlt writes a yielded table to its load file on one core (over half of the extract); reading and
    keying the next day (pyarrow and DuckDB, which release the GIL) overlap with it. At most two
    days are in memory: the one being written and the one being read. An error reading a day is
    raised where that day would have been yielded."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ga4-read-ahead") as pool:
        pending: Future[pa.Table] | None = None
        for day, items in days:
            following = pool.submit(read_day, day, items)
            if pending is not None:
                yield pending.result()
            pending = following
        if pending is not None:
            yield pending.result()


def _files_by_day(
    files: Iterable[FileItemDict], first: date | None, last: date | None
) -> Iterator[tuple[date, list[FileItemDict]]]:
    """The export files of each day in the window, days in order (a listing is file metadata only)."""
    by_day: dict[date, list[FileItemDict]] = defaultdict(list)
    for item in files:
        day = export_day(item["file_name"])
        if day is not None and not (first and day < first) and not (last and day > last):
            by_day[day].append(item)
    for day in sorted(by_day):
        yield day, sorted(by_day[day], key=lambda item: item["file_name"])


@dlt.resource(**EVENTS_HINTS)
def no_events() -> Iterator[pa.Table]:
    """The events table with its declared columns and no rows: what an empty bucket loads."""
    yield events_schema().empty_table()


def events_schema() -> pa.Schema:
    """The columns `events` yields: the event key, the export's columns, the file columns. The
    DuckDB warehouse keeps its nested columns natively (SPEC.native_nested)."""
    return pa.schema(
        [
            pa.field("event_key", pa.string(), nullable=False),
            *GA4_EXPORT_SCHEMA,
            pa.field("_export_file", pa.string()),
            pa.field(EXPORT_DAY, pa.date32(), nullable=False),
            pa.field(EXTRACTED_AT, pa.timestamp("us", tz="UTC")),
        ]
    )


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


def _with_file_columns(
    table: pa.Table, file_url: str, day: date | None, extracted_at: datetime | None
) -> pa.Table:
    """The export file and day each row came from (the day is the merge key a re-export replaces),
    and when this run read it: dbt's staging rebuilds the days extracted after its last build.

    The day's field is declared not null, as dlt declares a merge key: otherwise dlt warns, once
    per day read, that the hints of the Arrow table and of the resource differ."""
    rows = table.num_rows
    table = table.append_column("_export_file", pa.repeat(pa.scalar(file_url, pa.string()), rows))
    table = table.append_column(
        pa.field(EXPORT_DAY, pa.date32(), nullable=False), pa.repeat(pa.scalar(day, pa.date32()), rows)
    )
    return table.append_column(
        EXTRACTED_AT, pa.repeat(pa.scalar(extracted_at, pa.timestamp("us", tz="UTC")), rows)
    )


def _keyed_day(tables: list[pa.Table], day: date | None, connection: duckdb.DuckDBPyConnection) -> pa.Table:
    """One export day's rows with a deterministic `event_key` first; exact duplicate deliveries dropped.

    The key is computed in DuckDB from the key columns only (the nested columns never leave
    Arrow); the rarely needed de-duplication keeps the first delivery and drops the others."""
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    key_parts = ", ".join(f"coalesce(cast({column} as varchar), '')" for column in EVENT_KEY_COLUMNS)
    try:
        connection.register(
            "key_columns", table.select([*EVENT_KEY_COLUMNS, "event_server_timestamp_offset"])
        )
        keys = connection.sql(
            f"select md5(concat_ws('|', {key_parts})) as event_key, event_server_timestamp_offset "
            "from key_columns"
        ).to_arrow_table()
        first_deliveries = _first_deliveries(connection, keys)
    except duckdb.Error as exc:
        files = ", ".join(sorted(set(table.column("_export_file").to_pylist())))
        raise Ga4ExportError(f"GA4 export day {day} ({files}): could not key its events ({exc})") from exc
    finally:
        for name in ("key_columns", "keys"):
            connection.unregister(name)
    keyed = table.add_column(0, pa.field("event_key", pa.string(), nullable=False), keys.column("event_key"))
    # A filter, not zero-copy slices around the later deliveries: slices leave struct columns at an
    # offset, which DuckDB refuses to read from Arrow (the Spark lake's JSON conversion, ingestion.lake).
    return keyed if first_deliveries is None else keyed.filter(first_deliveries)


def _first_deliveries(connection: duckdb.DuckDBPyConnection, keys: pa.Table) -> pa.ChunkedArray | None:
    """Per row, in order: is it its event key's first delivery (the earliest server offset, then the
    first row)? None if every key differs."""
    connection.register("keys", keys.append_column("row_index", pa.array(np.arange(keys.num_rows))))
    [(distinct,)] = connection.sql("select count(distinct event_key) from keys").fetchall()
    if distinct == keys.num_rows:
        return None
    return (
        connection.sql(
            """
        select row_number() over (
            partition by event_key order by event_server_timestamp_offset, row_index
        ) = 1 as is_first
        from keys
        order by row_index
        """
        )
        .to_arrow_table()
        .column("is_first")
    )


__all__ = ["ga4", "events", "events_schema", "Ga4ExportError"]
