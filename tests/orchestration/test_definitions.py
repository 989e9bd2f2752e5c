"""What the README says about the code location holds: checks, automation defaults, one writer."""

from __future__ import annotations

import json

import pytest
from dagster import DefaultScheduleStatus, DefaultSensorStatus

from orchestration.definitions import defs
from orchestration.resources import dbt_project

pytestmark = pytest.mark.slow  # loading the definitions parses the dbt project when it changed


def test_every_dbt_test_on_a_model_is_an_asset_check():
    manifest = json.loads(dbt_project().manifest_path.read_text())
    dbt_tests = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node["config"].get("enabled", True)
        and not all(parent.startswith("source.") for parent in node["depends_on"]["nodes"])
    }
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert dbt_tests and dbt_tests - checks == set()


def test_the_schedule_and_sensors_are_off_until_switched_on_as_the_readme_says():
    schedule = defs.resolve_schedule_def("daily_refresh_schedule")
    assert schedule.default_status == DefaultScheduleStatus.STOPPED
    for name in ("new_ga4_export_files", "alert_on_run_failure"):
        assert defs.resolve_sensor_def(name).default_status == DefaultSensorStatus.STOPPED


def test_runs_execute_their_steps_in_one_process_so_a_run_is_one_writer():
    assert defs.resolve_job_def("daily_refresh").executor_def.name == "in_process"
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"
