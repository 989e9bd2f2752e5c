"""`microfunnel-dbt`: the dbt executable Dagster runs, bound to the life of the run that started it.

dagster-dbt starts dbt as a child process. When the run is SIGKILLed (an OOM kill, a CI
timeout) nothing in it can stop that child, and an orphaned `dbt build` keeps writing the
warehouse while the next run starts. This wrapper asks the kernel to kill dbt when its parent
dies (Linux `PR_SET_PDEATHSIG`, kept across exec), then becomes dbt.

It also gives dbt its settings: `profiles.yml` reads the warehouse path with `env_var()`, and
the value comes from `load_settings()` here (relative paths resolved against the project
root), so dbt, dlt and Dagster open the same file whoever started the run.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

from microfunnel.settings import load_settings

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


def main() -> None:
    die_with_parent()
    os.environ.update(load_settings().dbt_env())
    dbt = Path(sys.executable).with_name("dbt")
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


if __name__ == "__main__":
    main()
