"""Two warehouses' marts compared row for row: what "equal to an uninterrupted run / a full build"
means in the crash, plain-Dagster and backfill tests.

Two things legitimately differ between builds of the same data and are compared accordingly:
- doubles, rounded to 9 decimals: DuckDB sums doubles in parallel, so the last bit may differ
  (0.4265880076453146 vs 0.42658800764531457);
- person_id_history, on its current rows without its run timestamps: it is the log of ids ever
  issued, stamped with the run that issued or retired them; a warehouse that saw a person before
  and after a merge remembers the retired id (what the table is for), a single build never issued it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

PATH_LOG = "person_id_history"
HISTORY_NOW = (
    "select person_id, current_person_id, anchor_identifier_type, anchor_identifier_value "
    'from {}.marts."person_id_history" where is_current'
)


def comparable_columns(connection: duckdb.DuckDBPyConnection, database: str, table: str) -> str:
    rows = connection.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = 'marts' and table_name = ? order by column_index",
        [database, table],
    ).fetchall()
    return ", ".join(
        f'round("{name}", 9) as "{name}"' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, kind in rows
    )


def mart_differences(expected: Path, actual: Path) -> list[str]:
    """Every mart of `expected` against `actual`'s, as multisets: one line per difference found,
    with up to 3 example rows; [] when equal."""
    problems = []
    with duckdb.connect() as connection:
        connection.execute(f"attach '{expected}' as expected (read_only)")
        connection.execute(f"attach '{actual}' as actual (read_only)")

        def tables(database: str) -> set[str]:
            rows = connection.execute(
                "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts'",
                [database],
            ).fetchall()
            return {name for (name,) in rows}

        expected_tables, actual_tables = tables("expected"), tables("actual")
        assert len(expected_tables) > 10, f"{expected} holds only {sorted(expected_tables)}"
        if expected_tables != actual_tables:
            problems.append(f"tables differ: {sorted(expected_tables ^ actual_tables)}")
        for table in sorted(expected_tables & actual_tables):
            for left, right in (("expected", "actual"), ("actual", "expected")):
                left_rows, right_rows = rows_of(connection, left, table), rows_of(connection, right, table)
                extra = connection.execute(f"{left_rows} except all {right_rows} limit 3").fetchall()
                if extra:
                    problems.append(f"marts.{table}: rows in {left} not in {right}, e.g. {extra}")
    return problems


def rows_of(connection: duckdb.DuckDBPyConnection, database: str, table: str) -> str:
    if table == PATH_LOG:
        return HISTORY_NOW.format(database)
    # columns listed from `expected` for both sides, so a column only one side has is an error
    return f'select {comparable_columns(connection, "expected", table)} from {database}.marts."{table}"'


def retired_ids_lead_to_current_persons(warehouse: Path) -> bool:
    """Every id person_id_history retired points at a person who exists now."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (dangling,) = connection.execute(
            "select count(*) from marts.person_id_history where not is_current "
            "and current_person_id not in (select person_id from marts.dim_persons)"
        ).fetchone()
    return dangling == 0
