"""Work done by a forked child while this process goes on: how the sandbox uses the second core.

The child starts with the parent's objects (the simulated world) and needs no copy of them; it
reports a JSON result back through a pipe. Only a process with no other thread forks (`can_fork`).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from microfunnel import garbage_collection


def can_fork() -> bool:
    """Only a process with no other thread forks here: a lock another thread held at the fork (an
    import, logging) would be held forever in the child."""
    return hasattr(os, "fork") and threading.active_count() == 1


@dataclass
class ChildWork:
    result: Any = None  # what the child's work returned, once the block has been left


@contextmanager
def in_a_forked_child(work: Callable[[], Any], what: str) -> Iterator[ChildWork]:
    """`work()` in a forked child while the block runs. Leaving the block waits for the child; if it
    failed (its traceback printed above), RuntimeError names `what`; else the yielded ChildWork holds
    its JSON-able result. The child ignores Ctrl-C: a stopped parent waits for it rather than leave
    its files half written. Call only where `can_fork()`."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's work is checked through what it writes
        os.close(read)
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            with garbage_collection.objects_alive_now_left_alone():  # the parent's objects stay alive
                result = work()
            with os.fdopen(write, "wb") as pipe:
                pipe.write(json.dumps(result).encode())
            status = 0
        except BaseException:  # noqa: BLE001 - printed for the parent's error to point at
            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(write)
    outcome = ChildWork()
    try:
        yield outcome
    finally:
        with os.fdopen(read, "rb") as pipe:
            reported = pipe.read()
        _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{what} failed (see above)")
    outcome.result = json.loads(reported)
