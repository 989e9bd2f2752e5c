"""The one way tests (and bench) run dbt: a subprocess on a given warehouse file, output kept apart.

A subprocess because dbt-duckdb keeps its connection open for the life of the process, so the
test can read the warehouse only once dbt has exited. The warehouse, the target and the log
folders all live in the test's temp folder: nothing is written into the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from microfunnel.settings import DBT_PROJECT_DIR
from orchestration import dbt_forkserver

DBT = str(Path(sys.executable).with_name("dbt"))  # dbt lives beside this interpreter
MICROFUNNEL_DBT = str(Path(sys.executable).with_name("microfunnel-dbt"))  # dbt as the runs start it

# Set by tests/conftest.py for each test: why this test may not run dbt (it is not marked slow).
forbidden_reason: str | None = None


class DbtFailed(RuntimeError):
    """dbt exited non-zero; the message carries the command and the tail of dbt's own output."""


@dataclass(frozen=True)
class DbtRun:
    stdout: str
    target_path: Path

    def results(self) -> list[dict]:
        """The nodes of this run, as dbt wrote them to run_results.json."""
        return json.loads((self.target_path / "run_results.json").read_text())["results"]


def run_dbt(
    command: str,
    *args: str,
    warehouse: Path,
    project_dir: Path = DBT_PROJECT_DIR,
    variables: Mapping[str, object] | None = None,
    scratch: Path | None = None,
) -> DbtRun:
    """`dbt <command> <args>` on `warehouse`; target/ and logs/ go to `scratch` (default: beside it).

    `variables` become `--vars` (JSON). Raises DbtFailed with dbt's output when dbt fails.
    """
    if forbidden_reason:
        raise RuntimeError(forbidden_reason)
    scratch = scratch or warehouse.parent
    server = _dbt_server() if os.environ.get("MICROFUNNEL_ENGINE", "duckdb") == "duckdb" else None
    cmd = [
        MICROFUNNEL_DBT if server else DBT,
        command,
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(scratch / "dbt_target"),
        "--log-path",
        str(scratch / "dbt_logs"),
    ]
    if variables:
        cmd += ["--vars", json.dumps(dict(variables))]
    env = {**os.environ, "WAREHOUSE_PATH": str(warehouse)}
    if server:
        env[dbt_forkserver.SERVER_ENV] = server
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise DbtFailed(
            f"dbt {command} failed (exit {done.returncode}) on {warehouse}: {' '.join(cmd[1:])}\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
        )
    return DbtRun(done.stdout, scratch / "dbt_target")


@cache
def _dbt_server() -> str | None:
    """A warm dbt for this test process (orchestration/dbt_forkserver.py), started on its first dbt
    command: dbt's imports (3-4 s) once per process instead of once per command. It dies with the
    process. None where there is none: dbt then starts as a process of its own."""
    server = dbt_forkserver.start()
    return server.address if server else None
