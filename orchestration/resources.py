"""Dagster resources: the dbt project (its manifest prepared on demand) and the dbt CLI.

dbt runs through `microfunnel-dbt` (orchestration/dbt_process.py), which reads the settings
itself and dies with the run that started it; nothing has to be exported beforehand, so
`dagster dev` and `dagster asset materialize` work from a plain shell.
"""

from __future__ import annotations

import shutil
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer

from microfunnel.settings import DBT_PROJECT_DIR

# what dbt parses: a change to any of these makes the manifest stale
DBT_SOURCES = ("models", "macros", "seeds", "data-tests", "dbt_project.yml", "profiles.yml")


def dbt_executable() -> str:
    """The venv's `microfunnel-dbt`, whether or not the venv is active; PATH otherwise."""
    beside = Path(sys.executable).with_name("microfunnel-dbt")
    return str(beside) if beside.exists() else (shutil.which("microfunnel-dbt") or "microfunnel-dbt")


def manifest_is_stale(project: DbtProject) -> bool:
    """True when the manifest is missing or older than any file dbt parses."""
    manifest = project.manifest_path
    if not manifest.exists():
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
        if self.using_dagster_dev() or manifest_is_stale(project):
            self.prepare(project)

    def _prepare_manifest(self, project: DbtProject) -> None:
        dbt_resource().cli(["parse", "--quiet"], target_path=project.target_path).wait()
        self._invalidate_seeds_in_partial_parse(project)


@cache
def dbt_project() -> DbtProject:
    """The dbt project with a current manifest (parsed once per process when stale)."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    ParseWhenStale().prepare_if_dev(project)
    return project


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )
