"""Read a DuckDB file the way a test should: read-only, connection closed before returning; and
write a test's input rows in one statement.

Closing matters: DuckDB lets one process hold a file for writing, and the next dbt or dlt run
in the same test must be able to open it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa


def rows(path: Path, sql: str, params: Sequence = ()) -> list[tuple]:
    """Every row of `sql` as tuples."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql, params).fetchall()


def dicts(path: Path, sql: str, params: Sequence = ()) -> list[dict]:
    """Every row of `sql` as {column: value}."""
    with duckdb.connect(str(path), read_only=True) as connection:
        cursor = connection.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def scalar(path: Path, sql: str, params: Sequence = ()):
    """The first column of the first row of `sql` (None when there is no row)."""
    found = rows(path, sql, params)
    return found[0][0] if found else None


def insert_rows(
    connection: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple], select: str | None = None
) -> None:
    """Insert `rows` (tuples of one width) into `table` in one statement. DuckDB's `executemany` runs
    one statement per row: 13.6 s for the 2,884 events of a random funnel world, against well under
    a second this way. The rows' columns are named c1..cN; `select` is the list of expressions over
    them to insert (default: c1, ..., cN in order), e.g. "c1, make_timestamp(c2), c3"."""
    if not rows:
        return
    width = len(rows[0])
    names = [f"c{i}" for i in range(1, width + 1)]
    columns = pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})
    connection.register("inserted_rows", columns)
    try:
        connection.execute(f"insert into {table} select {select or ', '.join(names)} from inserted_rows")
    finally:
        connection.unregister("inserted_rows")


def table_names(path: Path, schema: str) -> set[str]:
    """The tables (and views) of one schema; empty when the schema does not exist."""
    sql = "select table_name from information_schema.tables where table_schema = ?"
    return {name for (name,) in rows(path, sql, [schema])}


@contextmanager
def held_open_by_another_process(path: Path) -> Iterator[subprocess.Popen]:
    """A BI tool or notebook in another process holding `path` open read-only until the block ends;
    yields that process (its pid is what an error should name)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, duckdb; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(600)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open", f"could not open {path} in another process"
        yield holder
    finally:
        holder.kill()
        holder.wait()
