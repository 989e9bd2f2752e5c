"""How the project's processes end: a child dies with its parent, so a killed run leaves nothing
running behind it; a process that is done ends without the interpreter's teardown."""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import sys
from typing import NoReturn

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Linux only; elsewhere a crashed run's dbt finishes on its own (the next run waits on DuckDB)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    if parent == 1:  # already orphaned before we started
        os._exit(1)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def exit_without_teardown(code: int | str | None) -> NoReturn:
    """End the process as a normal exit would, without the interpreter's teardown.

    What a normal exit must not skip runs: the atexit handlers (dbt-duckdb dropping its connection,
    so DuckDB checkpoints and closes the warehouse; should anything still hold it, DuckDB's WAL
    keeps every commit and the next open, read-only too, replays it; multiprocessing releasing its
    semaphores; temporary folders; dlt's telemetry; logging's flush, registered by `logging`
    itself); then the console is flushed. What is
    skipped is freeing every object one by one, with full garbage collections, at interpreter exit:
    5 s of the demo's process, 0.6-0.7 s of every dbt command (DECISIONLOG "The demo's Python:
    compiled imports, no collection over live heaps, no teardown", "dbt ends without the
    interpreter's teardown"). `code` is what `sys.exit` was given: a string is printed and ends
    with status 1, as Python does."""
    try:
        if isinstance(code, str):
            print(code, file=sys.stderr)
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed or broken stream: nothing more to say on it
                pass
    finally:
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))
