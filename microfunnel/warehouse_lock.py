"""One writer at a time, enforced by the kernel: an flock on a lock file beside the warehouse.

DuckDB allows one writing process per file. A Dagster concurrency pool kept that promise only
as long as the instance's bookkeeping was right: a SIGKILLed run kept its slot and every later
run waited forever. An flock belongs to the process holding the open file; the kernel drops it
the moment that process dies, however it dies, so a crash can never leave the warehouse locked.

The lock is re-entrant within a process (the runner holds it for a whole `microfunnel run`, and
every step that touches the warehouse takes it again), and the holder writes who it is into the
file, so a waiting run can say what it waits for.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

WAIT_REPORT_SECONDS = 10.0  # a waiting run says what it waits for this often
POLL_SECONDS = 0.2

_held: dict[Path, tuple[int, int]] = {}  # lock file -> (fd, depth) held by this process
_guard = threading.Lock()


class WarehouseInUseError(RuntimeError):
    """Another process has the warehouse file open, so a writer cannot have it alone."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def describe_holder(lock_file: Path) -> str:
    """Who holds the lock, from what the holder wrote into the file (best effort)."""
    try:
        holder = json.loads(lock_file.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder.get("pid"):
        return "another process"
    parts = [f"pid {holder['pid']}"]
    if holder.get("what"):
        parts.append(str(holder["what"]))
    if holder.get("since"):
        parts.append(f"since {holder['since']}")
    return ", ".join(parts)


@contextmanager
def writer_lock(
    warehouse: Path, what: str = "", report: Callable[[str], None] | None = None
) -> Iterator[Path]:
    """Hold the warehouse's writer lock; while another process holds it, `report` what we wait for.

    `what` names this holder for others (e.g. "microfunnel run" or a Dagster run id)."""
    report = report or (lambda message: print(message, file=sys.stderr, flush=True))
    path = lock_path(warehouse)
    with _guard:
        if path in _held:
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if not reentered:
        fd = _acquire(path, what, report)
        with _guard:
            _held[path] = (fd, 1)
    try:
        yield path
    finally:
        with _guard:
            fd, depth = _held[path]
            if depth > 1:
                _held[path] = (fd, depth - 1)
            else:
                del _held[path]
                os.close(fd)  # closing the file drops the flock


def _acquire(path: Path, what: str, report: Callable[[str], None]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    started = time.monotonic()
    next_report = started
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            now = time.monotonic()
            if now >= next_report:
                waited = f" (waiting {now - started:.0f} s)" if now > started else ""
                report(
                    f"waiting for the warehouse writer lock {path}, held by {describe_holder(path)}{waited}"
                )
                next_report = now + WAIT_REPORT_SECONDS
            time.sleep(POLL_SECONDS)
    holder = {"pid": os.getpid(), "what": what, "since": datetime.now(UTC).isoformat(timespec="seconds")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)
    return fd


def process_name(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
    command = " ".join(command.split())
    return command if len(command) <= 120 else command[:117] + "..."


def ensure_no_other_process_has_it_open(warehouse: Path, serving: Path, grace_seconds: float = 5.0) -> None:
    """Fail fast, naming the holder, when another process has the warehouse file open.

    DuckDB refuses a second process at once rather than waiting; the holder is usually a BI tool or
    a notebook pointed at the warehouse instead of the serving file. A short grace covers a writer
    of a run that just died and is still being reaped."""
    import duckdb

    if not warehouse.exists():
        return
    deadline = time.monotonic() + grace_seconds
    while True:
        try:
            duckdb.connect(str(warehouse)).close()
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise in_use_error(warehouse, serving, str(exc)) from exc
            time.sleep(POLL_SECONDS * 2)


def in_use_error(warehouse: Path, serving: Path, duckdb_message: str) -> WarehouseInUseError:
    """The error a writer gives when DuckDB says another process holds the warehouse file."""
    match = re.search(r"PID (\d+)", duckdb_message)
    if match:
        pid = int(match.group(1))
        name = process_name(pid)
        holder = f"process {pid}" + (f" ({name})" if name else "")
    else:
        holder = "another process"
    return WarehouseInUseError(
        f"the warehouse {warehouse} is open in {holder}, so this run cannot write it. "
        f"Only the pipeline may open the warehouse: point BI tools, notebooks and the duckdb CLI at the "
        f"serving file {serving} (read-only, replaced atomically after each build), close the other "
        "connection, and run again."
    )


def is_lock_conflict(exc: BaseException) -> bool:
    """True for DuckDB's 'Could not set lock on file' error, wherever in a chain it was raised."""
    while exc is not None:
        if "Could not set lock on file" in str(exc) or "Conflicting lock is held" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
