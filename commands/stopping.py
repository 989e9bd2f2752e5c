"""SIGINT/SIGTERM stop a run promptly, saying so; a second signal (or a stuck stop) exits at once.

Stopping is safe at any moment by construction: the warehouse keeps its last committed state
(DuckDB's WAL), dlt finishes or discards an unfinished load package on the next run, dbt's child
process dies with us (orchestration/dbt_process.py), the kernel releases the writer lock, and
the serving file is swapped by one rename, so it is the old snapshot or the new one.

While a step runs, Dagster owns the signal handlers (it interrupts the step; dagster-dbt passes
SIGINT on to dbt). So the signals are also watched through `signal.set_wakeup_fd`, which the
interpreter writes to whoever handles them: a thread reading it prints what is happening and
exits the process if the run has not stopped within GRACE_SECONDS or a second signal comes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

GRACE_SECONDS = 15.0
STOPPED_EXIT_CODE = 130
WATCHED = (signal.SIGINT, signal.SIGTERM)


class Stopper:
    """Remembers the signals received; `stopped` tells the runner to report a stop, not a failure."""

    def __init__(self, what: str):
        self.what = what
        self.received: list[int] = []

    @property
    def stopped(self) -> bool:
        return bool(self.received)

    def on_signal(self, signum: int) -> None:
        self.received.append(signum)
        name = signal.Signals(signum).name
        if len(self.received) > 1:
            _exit_now(f"{self.what}: {name} again; exiting now")
        print(
            f"{self.what}: {name} received, stopping. Nothing is half-published: the serving file keeps "
            "its last complete snapshot, and the next run continues from the last committed state.",
            file=sys.__stderr__,
            flush=True,
        )
        timer = threading.Timer(
            GRACE_SECONDS,
            _exit_now,
            [f"{self.what}: still stopping after {GRACE_SECONDS:.0f} s; exiting now"],
        )
        timer.daemon = True
        timer.start()


@contextmanager
def stop_on_signals(what: str = "microfunnel run") -> Iterator[Stopper]:
    stopper = Stopper(what)
    if threading.current_thread() is not threading.main_thread():
        yield stopper  # signals are delivered to the main thread only; nothing to watch from here
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt  # outside Dagster's steps (e.g. waiting for the lock): stop here

    previous = {sig: signal.signal(sig, interrupt) for sig in WATCHED}
    watcher = threading.Thread(target=_watch, args=(read_end, stopper), daemon=True)
    watcher.start()
    try:
        yield stopper
    finally:
        signal.set_wakeup_fd(previous_fd)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        os.close(write_end)  # ends the watcher
        watcher.join(timeout=1)
        os.close(read_end)


def _watch(read_end: int, stopper: Stopper) -> None:
    while chunk := os.read(read_end, 64):
        for signum in chunk:
            if signum in WATCHED:
                stopper.on_signal(signum)


def _exit_now(message: str) -> None:
    print(message, file=sys.__stderr__, flush=True)
    os._exit(STOPPED_EXIT_CODE)
