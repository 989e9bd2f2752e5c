"""The one way tests run dbt by themselves: a subprocess on a given warehouse file, output kept apart.

A subprocess because dbt-duckdb keeps its connection open for the life of the process, so the
test can read the warehouse only once dbt has exited. The warehouse, the target and the log
folders all live in the test's temp folder: nothing is written into the repository.

Each new target folder would make dbt parse the whole project (6-11 s here), since dbt keeps a
parse only under the profile it was made with and the warehouse's path is part of the profile. On
the warm DuckDB path, dbt therefore sees every warehouse through one path per thread (a symlink to
the warehouse's folder, re-pointed before each command: dbt's own messages name that path), and a
new target folder starts from this process's last parse made with the same project, warehouse
name, MICROFUNNEL_* environment and vars. dbt still checks that parse against the project's files,
vars and profile, and parses again whatever differs.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from microfunnel.settings import DBT_PROJECT_DIR
from orchestration import dbt_forkserver

DBT = str(Path(sys.executable).with_name("dbt"))  # dbt lives beside this interpreter
MICROFUNNEL_DBT = str(Path(sys.executable).with_name("microfunnel-dbt"))  # dbt as the runs start it
PARSE = "partial_parse.msgpack"  # dbt's saved parse, in its target folder

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
    target = scratch / "dbt_target"
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
        str(target),
        "--log-path",
        str(scratch / "dbt_logs"),
    ]
    if variables:
        cmd += ["--vars", json.dumps(dict(variables))]
    env = {**os.environ, "WAREHOUSE_PATH": str(warehouse)}
    parse_key = None
    if server:
        env[dbt_forkserver.SERVER_ENV] = server
        env["WAREHOUSE_PATH"] = str(_seen_through_link(warehouse))
        parse_key = _parse_key(project_dir, warehouse, variables)
        _start_from_last_parse(target, parse_key)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if parse_key:
        _keep_parse(target, parse_key)
    if done.returncode != 0:
        raise DbtFailed(
            f"dbt {command} failed (exit {done.returncode}) on {warehouse} (dbt's path to it: "
            f"{env['WAREHOUSE_PATH']}): {' '.join(cmd[1:])}\n"
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


def _links_folder() -> Path:
    """This process's folder of warehouse links and kept parses (made again if something removed it)."""
    folder = _made_links_folder()
    folder.mkdir(exist_ok=True)
    return folder


@cache
def _made_links_folder() -> Path:
    """Made once per process, removed when that process exits (not when a fork of it does)."""
    folder = Path(tempfile.mkdtemp(prefix="microfunnel-dbt-"))
    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, ignore_errors=True))
    return folder


def _seen_through_link(warehouse: Path) -> Path:
    """`warehouse` under this thread's one link path: the link re-pointed at the warehouse's folder
    (so DuckDB's .wal and .tmp files land beside the warehouse, as without it)."""
    link = _links_folder() / f"warehouse-{threading.get_ident()}"
    new = link.with_name(link.name + ".new")
    new.unlink(missing_ok=True)
    new.symlink_to(warehouse.resolve().parent, target_is_directory=True)
    os.replace(new, link)
    return link / warehouse.name


def _parse_key(project_dir: Path, warehouse: Path, variables: Mapping[str, object] | None) -> str:
    """What dbt's saved parse depends on besides the project's files: the project, the profile (the
    warehouse's name under the link, the profile's environment) and the vars."""
    profile_env = {k: v for k, v in os.environ.items() if k.startswith("MICROFUNNEL_")}
    described = json.dumps(
        [str(project_dir), warehouse.name, profile_env, variables], sort_keys=True, default=str
    )
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def _start_from_last_parse(target: Path, key: str) -> None:
    kept = _links_folder() / f"{key}.msgpack"
    if not (target / PARSE).exists() and kept.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kept, target / PARSE)


def _keep_parse(target: Path, key: str) -> None:
    if (target / PARSE).exists():
        kept = _links_folder() / f"{key}.msgpack"
        shutil.copyfile(target / PARSE, kept.with_suffix(".new"))
        os.replace(kept.with_suffix(".new"), kept)
