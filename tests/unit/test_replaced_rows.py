"""drop_replaced_rows on hand-worked rows: a partition's rows come only from its newest load."""

import duckdb

from ingestion.replaced_rows import drop_replaced_rows
from ingestion.sources.spec import SourceSpec
from tests.support.warehouse import rows

SOURCE = SourceSpec(
    name="files",
    function="unused:unused",
    tables={"events": {}, "other": {}},
    replaces_partitions={"events": ("day", "read_at")},
)


def write(settings, sql: str) -> None:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        connection.execute("create schema if not exists raw_files")
        connection.execute(sql)


def test_each_day_keeps_only_the_rows_of_its_newest_load(settings):
    write(
        settings,
        """
        create table raw_files.events as select * from (values
            ('a', date '2026-10-01', timestamptz '2026-10-02 00:00:00+00'),
            ('b', date '2026-10-01', timestamptz '2026-10-02 00:00:00+00'),
            ('a', date '2026-10-01', timestamptz '2026-10-20 00:00:00+00'),  -- re-exported day
            ('c', date '2026-10-02', timestamptz '2026-10-03 00:00:00+00'),  -- only one load
            ('d', date '2026-10-03', null),                                  -- before the stamp
            ('e', date '2026-10-03', timestamptz '2026-10-21 00:00:00+00'),
            ('f', date '2026-10-04', null)                                   -- never stamped
        ) as t(event, day, read_at)
        """,
    )
    assert drop_replaced_rows(settings, SOURCE) == {"events": 3}
    kept = rows(
        settings.warehouse_path, "select event, cast(day as varchar) from raw_files.events order by 1"
    )
    assert kept == [("a", "2026-10-01"), ("c", "2026-10-02"), ("e", "2026-10-03"), ("f", "2026-10-04")]
    assert drop_replaced_rows(settings, SOURCE) == {"events": 0}, "a second settle changes nothing"


def test_a_table_not_loaded_yet_or_without_its_stamp_is_left_alone(settings):
    assert drop_replaced_rows(settings, SOURCE) == {}, "no warehouse file yet"
    write(settings, "create table raw_files.events as select date '2026-10-01' as day, 1 as n")
    assert drop_replaced_rows(settings, SOURCE) == {}
    assert rows(settings.warehouse_path, "select count(*) from raw_files.events") == [(1,)]
