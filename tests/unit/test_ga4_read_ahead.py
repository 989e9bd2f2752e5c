"""The GA4 source reads the next export day while dlt writes the current one (`_read_ahead`)."""

import threading
import time
from datetime import date, timedelta

import pyarrow as pa
import pytest

from ingestion.sources.ga4 import _read_ahead
from ingestion.sources.ga4.helpers import Ga4ExportError

DAYS = [(date(2026, 10, 1) + timedelta(days=n), [f"events_{n}.parquet"]) for n in range(6)]


class Reader:
    """A stand-in for reading one day: records which days are read and not yet handed on."""

    def __init__(self, fail_on: date | None = None) -> None:
        self.fail_on = fail_on
        self.lock = threading.Lock()
        self.read: list[date] = []
        self.threads: set[str] = set()

    def __call__(self, day: date, items: list) -> pa.Table:
        time.sleep(0.01)
        with self.lock:
            self.read.append(day)
            self.threads.add(threading.current_thread().name)
        if day == self.fail_on:
            raise Ga4ExportError(f"GA4 export file {items[0]}: not a readable Parquet file")
        return pa.table({"day": [day], "file": items})


def test_days_come_out_in_order_each_read_once_off_the_callers_thread():
    reader = Reader()
    days = [table.column("day")[0].as_py() for table in _read_ahead(reader, iter(DAYS))]
    assert days == [day for day, _ in DAYS]
    assert sorted(reader.read) == days
    assert reader.threads and threading.current_thread().name not in reader.threads


def test_at_most_one_day_is_read_ahead_of_the_one_being_written():
    reader = Reader()
    handed_on = 0
    for table in _read_ahead(reader, iter(DAYS)):
        time.sleep(0.05)  # dlt writing this day: the next one is read meanwhile, not more
        handed_on += 1
        with reader.lock:
            assert len(reader.read) - handed_on <= 1, reader.read
        assert table.num_rows == 1


def test_an_unreadable_day_fails_where_it_would_have_been_yielded():
    reader = Reader(fail_on=DAYS[3][0])
    yielded = []
    with pytest.raises(Ga4ExportError, match="events_3.parquet"):
        for table in _read_ahead(reader, iter(DAYS)):
            yielded.append(table.column("day")[0].as_py())
    assert yielded == [day for day, _ in DAYS[:3]]
    assert DAYS[5][0] not in reader.read, "nothing is read past the failing day's successor"


def test_no_days_yield_nothing():
    assert list(_read_ahead(Reader(), iter([]))) == []
