"""Read a DuckDB file the way a test should: read-only, connection closed before returning.

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
