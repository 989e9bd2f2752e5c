"""Dagster resources: the dbt project (parsed once) and the shared writer pool.

The warehouse file allows one writer process, so every asset that writes it runs in one
concurrency pool of size 1 (WAREHOUSE_POOL; its limit lives in the instance's dagster.yaml).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from ingestion.registry import SourceSelection, enabled_sources
from microfunnel.settings import DBT_PROJECT_DIR

WAREHOUSE_POOL = "duckdb_warehouse"


@cache
def source_selection() -> SourceSelection:
    """The enabled sources, decided once per code location load (ingestion.registry)."""
    return enabled_sources()


def dbt_vars_args() -> list[str]:
    """`--vars` telling dbt the enabled sources, for parse and build alike (same graph in both)."""
    return ["--vars", json.dumps(source_selection().dbt_vars())]


@cache
def dbt_project() -> DbtProject:
    """The dbt project, its manifest parsed on `dagster dev` (prepare_if_dev) or by `microfunnel run`,
    with the enabled sources' vars: models of a disabled source are not in the manifest at all."""
    project = DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        prepare_project_cli_args=["parse", "--quiet", *dbt_vars_args()],
    )
    project.prepare_if_dev()
    return project


def dbt_resource() -> DbtCliResource:
    executable = Path(sys.executable).with_name("dbt")  # the venv's dbt, whether or not the venv is active
    return DbtCliResource(
        project_dir=dbt_project(),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(executable) if executable.exists() else "dbt",
    )
