"""Dagster resources: the dbt project (its manifest prepared on demand) and the dbt CLI.

dbt runs through `microfunnel-dbt` (orchestration/dbt_process.py), which reads the settings
itself and dies with the run that started it; nothing has to be exported beforehand, so
`dagster dev` and `dagster asset materialize` work from a plain shell.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
import sys
from functools import cache, cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer
from packaging import version

from ingestion.registry import SourceSelection
from microfunnel.settings import DBT_PROJECT_DIR, load_settings

# what dbt parses: a change to any of these makes the manifest stale
DBT_SOURCES = ("models", "macros", "seeds", "data-tests", "dbt_project.yml", "profiles.yml")
PARSE_ARGS_STAMP = "manifest.parse_args.json"  # beside the manifest: what it was parsed with
PARSE_LOCK = "parse.lock"  # beside the manifest: held while one process parses


def dbt_vars_args(selection: SourceSelection, extra: dict[str, str] | None = None) -> list[str]:
    """`--vars` telling dbt the enabled sources, for parse and build alike (same graph in both);
    `extra` adds run-time vars (a partition window) that change rows, never which models exist."""
    return ["--vars", json.dumps({**selection.dbt_vars(), **(extra or {})})]


def dbt_executable() -> str:
    """The venv's `microfunnel-dbt`, whether or not the venv is active; PATH otherwise."""
    beside = Path(sys.executable).with_name("microfunnel-dbt")
    return str(beside) if beside.exists() else (shutil.which("microfunnel-dbt") or "microfunnel-dbt")


def parse_stamp(parse_args: list[str]) -> dict:
    """What a manifest is parsed with: the parse args (the enabled sources) and the environment the
    profile reads (warehouse path, memory bound, engine). dbt's partial parse keeps only what was
    parsed under the same profile: after a parse under another warehouse, every dbt step of a run
    parsed the whole project again ("Unable to do partial parsing because profile has changed").
    And the project's folder: a seed's parse holds its absolute path, so a moved checkout parses
    again (`_prepare_manifest` keeps the seeds' partial parse)."""
    return {
        "args": parse_args,
        "profile_env": load_settings().dbt_env(),
        "project_dir": str(DBT_PROJECT_DIR.resolve()),  # a seed's parse holds its absolute path
    }


def manifest_is_stale(project: DbtProject, parse_args: list[str]) -> bool:
    """True when the manifest is missing, was parsed with other vars (enabled sources) or under
    another profile environment, or is older than any file dbt parses."""
    manifest = project.manifest_path
    stamp = manifest.with_name(PARSE_ARGS_STAMP)
    if not manifest.exists() or not stamp.exists():
        return True
    if json.loads(stamp.read_text()) != parse_stamp(parse_args):
        return True
    built = manifest.stat().st_mtime
    for name in DBT_SOURCES:
        root = project.project_dir / name
        files = root.rglob("*") if root.is_dir() else [root]
        if any(path.is_file() and path.stat().st_mtime > built for path in files):
            return True
    return False


class ParseWhenStale(DagsterDbtProjectPreparer):
    """Parse the project under `dagster dev`, and anywhere else when the manifest is missing or stale.

    Dagster's default parses only under `dagster dev`, so `dagster asset materialize` on a fresh
    checkout failed for want of a manifest; checking file times costs milliseconds."""

    def prepare_if_dev(self, project: DbtProject) -> None:
        # one parse at a time per manifest folder: a second process (the UI beside a run, a test
        # worker) waits for the first and then finds the manifest current instead of half-written
        folder = project.project_dir / project.target_path
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / PARSE_LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.using_dagster_dev() or manifest_is_stale(project, self._prepare_project_cli_args):
                self.prepare(project)

    def _prepare_manifest(self, project: DbtProject) -> None:
        """Parse into a scratch folder, then move each file into the manifest folder whole.

        Another process may be reading the folder meanwhile (a run's steps copy its
        `partial_parse.msgpack`, a process loading the graph reads `manifest.json`): it sees the
        old file or the new one, never one half-written. Parses of one folder hold its PARSE_LOCK
        (`prepare_if_dev`), so a scratch folder found here is a killed parse's: it is removed."""
        folder = project.project_dir / project.target_path
        scratch = Path(project.target_path).with_name(f"{folder.name}.parsing")
        parsed = DbtProject(
            project_dir=project.project_dir, profiles_dir=project.profiles_dir, target_path=scratch
        )
        shutil.rmtree(parsed.project_dir / scratch, ignore_errors=True)
        try:
            # dagster-dbt's preparer then spoils the seeds' checksums in the partial parse, so that
            # a parse made elsewhere (CI, another image) re-reads them with their new path; every
            # dbt step then re-parsed both seeds and rewrote the manifest (1.4 s a step, two steps
            # a run). This parse is used only in the folder it was made in (the stamp holds it).
            dbt_resource().cli(self._prepare_project_cli_args, target_path=scratch).wait()
            for path in (parsed.project_dir / scratch).iterdir():
                if path.is_file():
                    os.replace(path, folder / path.name)
            stamp = parsed.project_dir / scratch / PARSE_ARGS_STAMP  # last: the files it vouches for are in
            stamp.write_text(json.dumps(parse_stamp(self._prepare_project_cli_args)))
            os.replace(stamp, folder / PARSE_ARGS_STAMP)
        finally:
            shutil.rmtree(parsed.project_dir / scratch, ignore_errors=True)


def manifest_folder(selection: SourceSelection, engine: str | None = None) -> Path:
    """target/sources-<digest of the enabled sources and the engine>: one manifest per selection and
    engine. dagster-dbt reads a manifest once per process and path, so two selections sharing one
    path would share a graph; and a model's materialization depends on the engine (incremental on
    DuckDB, a table on Spark: macros/portable.sql)."""
    engine = engine or load_settings().engine
    key = {**selection.dbt_vars(), "engine": engine}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:10]
    return Path("target") / f"sources-{digest}"


def dbt_project(selection: SourceSelection) -> DbtProject:
    """The dbt project with a current manifest for these sources and the configured engine (parsed
    once per process, selection and engine, when stale): models of a disabled source are not in the
    manifest at all."""
    return _dbt_project(selection, load_settings().engine)


@cache
def _dbt_project(selection: SourceSelection, engine: str) -> DbtProject:
    parse_args = ["parse", "--quiet", *dbt_vars_args(selection)]
    project = DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target_path=manifest_folder(selection, engine),
    )
    ParseWhenStale(prepare_project_cli_args=parse_args).prepare_if_dev(project)
    return project


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt CLI resource, without the two things it does in the run's process before every
    `dbt build` that nothing here uses (together 5-11 s a dbt step; two steps a run):

    - it runs `dbt --version` in a child process (importing dbt, 2-4 s) to learn dbt's version: our
      `microfunnel-dbt` execs the dbt-core installed beside this code, so its version is the package's;
    - it builds a dbt adapter in this process (importing dbt, loading the project and its 700 macros,
      3-7 s), used only by `fetch_row_counts()` / `fetch_column_metadata()`, which we do not call.

    Both are private methods of dagster-dbt (pinned); tests/orchestration/test_dbt_progress.py fails
    if an upgrade stops calling them (DECISIONLOG "A dbt step starts no second dbt ...")."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args) -> None:
        return None


def dbt_resource() -> DbtCliResource:
    return DbtCli(
        project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )
