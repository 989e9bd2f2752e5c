"""`microfunnel-dbt`: the dbt executable Dagster runs, bound to the life of the run that started it.

dagster-dbt starts dbt as a child process. When the run is SIGKILLed (an OOM kill, a CI
timeout) nothing in it can stop that child, and an orphaned `dbt build` keeps writing the
warehouse while the next run starts. This wrapper asks the kernel to kill dbt when its parent
dies (Linux `PR_SET_PDEATHSIG`, kept across exec), then becomes dbt.

It also gives dbt its settings: `profiles.yml` reads the warehouse path with `env_var()`, and
the value comes from `load_settings()` here (relative paths resolved against the project
root), so dbt, dlt and Dagster open the same file whoever started the run.

In a run that serves dbt warm (`microfunnel run`, `demo`: orchestration/dbt_forkserver.py) the
command runs in a fork of that server instead, on this process's streams, and this process exits
with its status; without one it execs dbt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from microfunnel.settings import load_settings
from orchestration import dbt_forkserver
from orchestration.process_life import die_with_parent


def main() -> None:
    die_with_parent()
    os.environ.update(load_settings().dbt_env())
    server = os.environ.get(dbt_forkserver.SERVER_ENV)
    if server:
        status = dbt_forkserver.run_command(server, sys.argv[1:])
        if status is not None:
            sys.exit(status)
    dbt = Path(sys.executable).with_name("dbt")
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


if __name__ == "__main__":
    main()
