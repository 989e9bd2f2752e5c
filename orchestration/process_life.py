"""A child process that dies with its parent, so a killed run leaves nothing running behind it."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

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
