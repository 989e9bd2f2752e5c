"""The serving snapshot: the marts copied to their own DuckDB file, swapped in atomically.

BI tools open only the serving file, read-only: they never hold a lock on the warehouse
(a reader in another process would block the next build) and never see a half-built table.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


def publish_marts(warehouse: Path, serving: Path, schema: str = "marts") -> dict[str, int]:
    """Copy every table of `schema` into a fresh file next to `serving`, then rename it over it."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    staging_file = serving.with_name(f".{serving.name}.publishing")
    staging_file.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as source:
        tables = [row[0] for row in source.execute(
            "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
            "order by table_name", [schema]).fetchall()]
        source.execute(f"attach '{staging_file}' as snapshot")
        source.execute(f"create schema snapshot.{schema}")
        for table in tables:
            source.execute(f'create table snapshot.{schema}."{table}" as select * from {schema}."{table}"')
            counts[table] = source.execute(f'select count(*) from snapshot.{schema}."{table}"').fetchone()[0]
        source.execute("detach snapshot")
    os.replace(staging_file, serving)
    return counts
