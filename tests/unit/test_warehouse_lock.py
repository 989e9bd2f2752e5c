"""The writer lock: a waiting run says what it waits for; a killed holder frees it; re-entrant."""

from __future__ import annotations

import signal
import subprocess
import sys

import duckdb
import pytest

from microfunnel import warehouse_lock
from microfunnel.warehouse_lock import (
    WarehouseInUseError,
    ensure_no_other_process_has_it_open,
    lock_path,
    writer_lock,
)
from tests.support.warehouse import held_open_by_another_process

HOLDER = """
import sys, time
from pathlib import Path
from microfunnel.warehouse_lock import writer_lock
with writer_lock(Path(sys.argv[1]), what="the other run"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_in_another_process(warehouse, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_waiting_run_says_what_it_waits_for_until_the_holder_is_done(tmp_path, monkeypatch):
    monkeypatch.setattr(warehouse_lock, "WAIT_REPORT_SECONDS", 0.3)
    warehouse = tmp_path / "warehouse.duckdb"
    holder = hold_in_another_process(warehouse, seconds=1.5)
    messages: list[str] = []
    with writer_lock(warehouse, report=messages.append):
        assert holder.poll() is not None or holder.wait(timeout=30) == 0
    assert len(messages) >= 2, "the wait is reported again while it lasts"
    assert str(lock_path(warehouse)) in messages[0]
    assert f"pid {holder.pid}" in messages[0] and "the other run" in messages[0]


def test_a_killed_holder_leaves_the_lock_free(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    holder = hold_in_another_process(warehouse, seconds=600)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    messages: list[str] = []
    with writer_lock(warehouse, report=messages.append):
        pass
    assert messages == []


def test_the_lock_is_reentrant_within_a_process(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with writer_lock(warehouse, report=pytest.fail), writer_lock(warehouse, report=pytest.fail):
        pass  # the run holds it, and each of its steps takes it again without waiting on itself
    holder = hold_in_another_process(warehouse, seconds=0)
    assert holder.wait(timeout=30) == 0, "released after the outermost holder let go"


def test_a_process_holding_the_warehouse_open_is_named_within_seconds(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    duckdb.connect(str(warehouse)).close()
    with held_open_by_another_process(warehouse) as reader, pytest.raises(WarehouseInUseError) as error:
        ensure_no_other_process_has_it_open(warehouse, serving, grace_seconds=0.5)
    message = str(error.value)
    assert str(warehouse) in message and f"process {reader.pid}" in message and str(serving) in message
