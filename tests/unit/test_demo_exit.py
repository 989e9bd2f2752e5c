"""The demo keeps its simulated world out of the garbage collector only while the graph runs.

Objects still frozen at the interpreter's exit are never collected; DuckDB's Python bindings
(nanobind) then print a wall of `nanobind: leaked ...` lines after the demo's last line."""

from __future__ import annotations

import gc
import subprocess
import sys

from commands.runner import _world_left_out_of_garbage_collection
from microfunnel.settings import PROJECT_ROOT

# DuckDB objects in a reference cycle: only the garbage collector frees them.
DUCKDB_OBJECTS_IN_A_CYCLE = """
import duckdb, gc
class Holder: pass
holder = Holder()
holder.itself = holder
holder.connection = duckdb.connect()
holder.types = holder.connection.sql("select 1 as a").types
del holder
"""


def _exit_output(body: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", DUCKDB_OBJECTS_IN_A_CYCLE + body],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return completed.stdout + completed.stderr


def test_the_garbage_collector_is_given_the_world_back_when_the_run_ends_or_fails():
    assert gc.get_freeze_count() == 0
    try:
        with _world_left_out_of_garbage_collection():
            assert gc.get_freeze_count() > 0
            raise RuntimeError("the run failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0


def test_a_process_that_ran_the_graph_exits_without_leak_reports():
    frozen_at_exit = _exit_output("gc.freeze()\n")
    assert "nanobind: leaked" in frozen_at_exit  # the failure this guards against, reproduced

    given_back = _exit_output(
        "from commands.runner import _world_left_out_of_garbage_collection\n"
        "with _world_left_out_of_garbage_collection():\n    pass\n"
    )
    assert "nanobind: leaked" not in given_back
