"""`microfunnel-dbt`: the dbt executable Dagster runs, bound to the life of the run that started it.

dagster-dbt starts dbt as a child process. When the run is SIGKILLed (an OOM kill, a CI
timeout) nothing in it can stop that child, and an orphaned `dbt build` keeps writing the
warehouse while the next run starts. This wrapper asks the kernel to kill dbt when its parent
dies (Linux `PR_SET_PDEATHSIG`, kept across exec), then becomes dbt.

It also gives dbt its settings: `profiles.yml` reads the warehouse path with `env_var()`, and
the value comes from `load_settings()` here (relative paths resolved against the project
root), so dbt, dlt and Dagster open the same file whoever started the run.

In a run that serves dbt warm (`microfunnel run` and `demo` on DuckDB: dbt_forkserver.py) the
command runs in a fork of that server instead, on this process's streams, and this process exits
with its status; without one it execs dbt (on Spark with its stderr in a file: `_stderr_to_file`).
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
    settings = load_settings()
    os.environ.update(settings.dbt_env())
    if settings.engine == "spark":
        _stderr_to_file(settings.logs_dir / "dbt-spark-stderr.log")
    server = os.environ.get(dbt_forkserver.SERVER_ENV)
    if server:
        status = dbt_forkserver.run_command(server, sys.argv[1:])
        if status is not None:
            sys.exit(status)
    dbt = Path(sys.executable).with_name("dbt")
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


def _stderr_to_file(path: Path) -> None:
    """dagster-dbt reads dbt's stdout and stderr as one stream of JSON events, line by line. On Spark
    the JVM draws a console progress bar on stderr without a newline; glued to the next event, that
    event was lost (its model counted as not built, the steps after it skipped). dbt's events go to
    stdout; stderr (Spark's and the JVM's messages) goes to a file beside the run's log."""
    path.parent.mkdir(parents=True, exist_ok=True)
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 2)
    os.close(log)


if __name__ == "__main__":
    main()
