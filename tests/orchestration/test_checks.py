from datetime import date, timedelta

import duckdb
import pytest

from orchestration.checks import conversion_anomalies

START = date(2026, 10, 1)


@pytest.fixture
def connection():
    connection = duckdb.connect()
    connection.execute("create schema marts; create schema staging")
    connection.execute(
        "create table staging.stg_config__funnels as select 'f' as funnel_name, 86400 as window_seconds"
    )
    connection.execute("""
        create table marts.fct_funnel_daily (funnel_name varchar, date_day date, step_index bigint,
                                             persons_reached bigint)
    """)
    return connection


def fill(connection, rates: list[float], entrants: int = 100):
    rows = []
    for offset, rate in enumerate(rates):
        day = START + timedelta(days=offset)
        rows += [("f", day, 1, entrants), ("f", day, 2, round(entrants * rate))]
    connection.executemany("insert into marts.fct_funnel_daily values (?, ?, ?, ?)", rows)


def test_a_steady_conversion_raises_no_anomaly(connection):
    fill(connection, [0.5, 0.52, 0.48, 0.5, 0.51, 0.49, 0.5, 0.5, 0.52, 0.48, 0.5, 0.5])
    assert conversion_anomalies(connection) == []


def test_a_collapse_on_the_newest_complete_day_is_flagged(connection):
    # day 11 (index 10) is the newest day whose 1-day window has elapsed (the last day, 12, has not)
    fill(connection, [0.5, 0.52, 0.48, 0.5, 0.51, 0.49, 0.5, 0.5, 0.52, 0.48, 0.1, 0.5])
    anomalies = conversion_anomalies(connection)
    assert [(a["step_index"], a["date_day"]) for a in anomalies] == [(2, START + timedelta(days=10))]


def test_the_newest_entry_days_are_not_judged_while_their_journeys_still_run(connection):
    fill(connection, [0.5, 0.52, 0.48, 0.5, 0.51, 0.49, 0.5, 0.5, 0.52, 0.48, 0.5, 0.05])
    assert conversion_anomalies(connection) == []
