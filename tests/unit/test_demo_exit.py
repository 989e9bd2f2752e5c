"""A run keeps the objects alive at its start (the demo's world among them) out of the garbage
collector only while the graph runs; the `microfunnel` command exits without the teardown.

Objects still frozen at the interpreter's exit are never collected; DuckDB's Python bindings
(nanobind) then print a wall of `nanobind: leaked ...` lines after the demo's last line."""

from __future__ import annotations

import gc
import subprocess
import sys

from microfunnel.garbage_collection import objects_alive_now_left_alone, paused
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
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout + completed.stderr


def test_the_garbage_collector_is_given_the_world_back_when_the_run_ends_or_fails():
    assert gc.get_freeze_count() == 0
    try:
        with objects_alive_now_left_alone():
            assert gc.get_freeze_count() > 0
            raise RuntimeError("the run failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0


def tracked(objects: list) -> int:
    """How many of `objects` the collector tracks: gc.get_objects() lists every generation but
    the frozen one. (Not gc.get_freeze_count(): other frozen objects, freed by other threads of
    the test process meanwhile, lower it.)"""
    ids = {id(o) for o in objects}
    return sum(id(o) in ids for o in gc.get_objects())


def test_only_the_outermost_freeze_gives_the_objects_back():
    with objects_alive_now_left_alone():  # the demo, its world alive
        alive_when_the_run_starts = [[] for _ in range(1000)]
        assert tracked(alive_when_the_run_starts) == 1000
        with objects_alive_now_left_alone():  # the run inside the demo
            assert tracked(alive_when_the_run_starts) == 0
        assert tracked(alive_when_the_run_starts) == 0  # still left alone after the run
        del alive_when_the_run_starts
    assert gc.get_freeze_count() == 0


def test_paused_collection_resumes_as_it_was():
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_process_that_ran_the_graph_exits_without_leak_reports():
    frozen_at_exit = _exit_output("gc.freeze()\n")
    assert "nanobind: leaked" in frozen_at_exit  # the failure this guards against, reproduced

    given_back = _exit_output(
        "from microfunnel.garbage_collection import objects_alive_now_left_alone\n"
        "with objects_alive_now_left_alone():\n    pass\n"
    )
    assert "nanobind: leaked" not in given_back


def test_the_command_exits_without_the_teardown_and_without_leak_reports():
    """`microfunnel` leaves with os._exit after its atexit handlers: no collection at exit (5 s of
    the demo), so DuckDB's bindings are never asked about objects left in cycles either."""
    frozen_then_entry = _exit_output(
        "gc.freeze()\nimport os, sys\nfrom commands.cli import entry\n"
        "os.environ.update(MICROFUNNEL_SOURCES='ga4', SOURCES__GA4__BUCKET_URL=os.getcwd())\n"
        "sys.argv = ['microfunnel', 'validate']\nentry()\n"
    )
    assert "nanobind: leaked" not in frozen_then_entry


EXIT_AFTER = """
import atexit, pathlib, sys
from orchestration.process_life import exit_without_teardown
atexit.register(lambda: pathlib.Path(sys.argv[1]).write_text("clean-up ran"))
print("unterminated line", end="")
exit_without_teardown({code})
"""


def test_an_exit_without_teardown_runs_the_clean_up_flushes_and_keeps_the_status(tmp_path):
    for code, status, said in (("3", 3, ""), ("None", 0, ""), ("'no catalog found'", 1, "no catalog found")):
        marker = tmp_path / f"marker-{status}"
        completed = subprocess.run(
            [sys.executable, "-c", EXIT_AFTER.format(code=code), str(marker)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert completed.returncode == status
        assert completed.stdout == "unterminated line"  # flushed, though no newline ended it
        assert completed.stderr.strip() == said  # a string status is printed, as Python does
        assert marker.read_text() == "clean-up ran"
