"""`insert_rows` (tests/support/warehouse.py): a test's input rows in one statement, as exact as the
row-by-row `executemany` it replaced."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb

from tests.support.warehouse import insert_rows


def test_rows_arrive_in_the_tables_types_with_nulls_lists_and_expressions():
    con = duckdb.connect()
    con.execute(
        "create table t (name varchar, n bigint, seen_at timestamp, day date, amount decimal(18, 2), "
        "flag boolean, words varchar[], numbers double[], fixed varchar)"
    )
    rows = [
        ("a", 1, datetime(2026, 10, 1, 12, 30), date(2026, 10, 1), Decimal("1.25"), True, ["x"], [1, 2.5]),
        (None, None, None, None, None, None, [], []),
        ("c", 3_000_000_000, datetime(2026, 10, 3), date(2026, 10, 3), Decimal("-0.10"), False, None, None),
    ]
    insert_rows(con, "t", rows, "c1, c2, c3, c4, c5, c6, c7, c8, 'set here'")
    as_inserted = [row[:7] + ([float(n) for n in row[7]] if row[7] is not None else None,) for row in rows]
    assert con.execute("select * from t").fetchall() == [(*row, "set here") for row in as_inserted]


def test_expressions_convert_columns_and_no_rows_insert_nothing():
    con = duckdb.connect()
    con.execute("create table e (seen_at timestamp, params struct(key varchar, value varchar)[])")
    insert_rows(con, "e", [])
    assert con.execute("select count(*) from e").fetchall() == [(0,)]
    insert_rows(
        con,
        "e",
        [(1_000_000, '[{"key": "k", "value": "v"}]')],
        "make_timestamp(c1::bigint), cast(c2::json as struct(key varchar, value varchar)[])",
    )
    assert con.execute("select * from e").fetchall() == [
        (datetime(1970, 1, 1, 0, 0, 1), [{"key": "k", "value": "v"}])
    ]
    # the rows' relation is gone afterwards: the next call can register its own
    assert "inserted_rows" not in {name for (name,) in con.execute("show tables").fetchall()}
