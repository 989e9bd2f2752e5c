"""The serving snapshot: descriptions travel with it, and a publish is all or nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from microfunnel.serving import publish_marts


def make_warehouse(path: Path, rows: int) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists marts")
        for table in ("fct_a", "fct_b", "fct_c"):
            connection.execute(
                f"create or replace table marts.{table} as select range as id from range({rows})"
            )
        connection.execute("comment on table marts.fct_a is 'One row per a; the a''s grain.'")
        connection.execute("comment on column marts.fct_a.id is 'The key of an a.'")


def snapshot_counts(serving: Path) -> tuple[int, ...]:
    with duckdb.connect(str(serving), read_only=True) as connection:
        return tuple(
            connection.execute(f"select count(*) from marts.{table}").fetchone()[0]
            for table in ("fct_a", "fct_b", "fct_c")
        )


def test_the_serving_file_carries_the_table_and_column_descriptions(tmp_path):
    make_warehouse(tmp_path / "warehouse.duckdb", rows=3)
    publish_marts(tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb")
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as connection:
        tables = dict(connection.execute("select table_name, comment from duckdb_tables()").fetchall())
        columns = connection.execute(
            "select column_name, comment from duckdb_columns() where table_name = 'fct_a'"
        ).fetchall()
    assert tables["fct_a"] == "One row per a; the a's grain."
    assert columns == [("id", "The key of an a.")]


def test_a_publish_reports_each_tables_row_count(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    make_warehouse(warehouse, rows=3)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create or replace table marts.fct_b as select range as id from range(200000)")
        connection.execute("create or replace table marts.fct_c as select 1 as id where false")
    counts = publish_marts(warehouse, tmp_path / "serving.duckdb")
    assert counts == {"fct_a": 3, "fct_b": 200_000, "fct_c": 0}
    assert snapshot_counts(tmp_path / "serving.duckdb") == (3, 200_000, 0)


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.4, 0.8])
def test_a_publish_killed_at_any_moment_leaves_the_old_or_the_new_snapshot(tmp_path, delay):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse, rows=10)
    publish_marts(warehouse, serving)
    old = snapshot_counts(serving)
    make_warehouse(warehouse, rows=2_000_000)
    publisher = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from microfunnel.serving import publish_marts; "
            "publish_marts(Path(sys.argv[1]), Path(sys.argv[2]))",
            str(warehouse),
            str(serving),
        ]
    )
    time.sleep(delay)
    publisher.send_signal(signal.SIGKILL)
    publisher.wait()
    assert snapshot_counts(serving) in (old, (2_000_000,) * 3)
