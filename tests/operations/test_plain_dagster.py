"""Dagster as its docs teach it, without our wrapper: a plain shell, the documented variables, the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from microfunnel.settings import PROJECT_ROOT
from tests.operations.ops_runs import RUN_TIMEOUT
from tests.support.marts import mart_differences

pytestmark = pytest.mark.slow

DAGSTER = str(Path(sys.executable).with_name("dagster"))


def dagster(env: dict[str, str], *args: str, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [DAGSTER, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_the_workspace_loads_in_a_plain_environment(served_world, tmp_path):
    completed = dagster(
        served_world.env(tmp_path / "warehouse.duckdb"), "definitions", "validate", "-w", "workspace.yaml"
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


# What a user's own script (or a notebook) does with the code location: no runner, no env handoff.
MATERIALIZE = """
from dagster import DagsterInstance, materialize
from orchestration.definitions import defs
from orchestration.partitions import range_tags
defs = defs()  # the lazy code location, loaded with the sources enabled now
result = materialize(
    [*defs.assets, *defs.asset_checks],
    resources=defs.resources,
    instance=DagsterInstance.get(),  # $DAGSTER_HOME
    tags=range_tags(),  # every day, each source from its cursor (the day-partitioned assets need a range)
    raise_on_error=False,
)
raise SystemExit(0 if result.success else 1)
"""


def test_dagsters_materialize_on_the_code_location_builds_the_same_marts_as_microfunnel_run(
    served_world, uninterrupted_warehouse, tmp_path
):
    # `dagster asset materialize --select '*'` cannot take this graph in one run: the CLI wants a
    # partition (or a single-run range for every selected asset) once GA4 is partitioned by day.
    env = served_world.env(tmp_path / "warehouse.duckdb")
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [sys.executable, "-c", MATERIALIZE],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert completed.returncode == 0, completed.stdout[-5000:] + completed.stderr[-5000:]
    warehouse = tmp_path / "warehouse.duckdb"
    assert mart_differences(uninterrupted_warehouse, warehouse) == []
    assert warehouse.with_name("serving.duckdb").exists()
