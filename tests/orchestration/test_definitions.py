"""What the README says about the code location holds: checks, automation defaults, one writer."""

from __future__ import annotations

import json

import pytest
from dagster import DefaultScheduleStatus, DefaultSensorStatus

from ingestion.registry import enabled_sources
from orchestration.definitions import build_definitions
from orchestration.resources import dbt_project

pytestmark = pytest.mark.slow  # loading the definitions parses the dbt project when it changed


@pytest.fixture(scope="module")
def selection():
    return enabled_sources()


@pytest.fixture(scope="module")
def defs(selection):
    return build_definitions(selection)


def test_every_dbt_test_on_a_model_is_an_asset_check_except_the_invariants_under_the_marts(selection, defs):
    manifest = json.loads(dbt_project(selection).manifest_path.read_text())
    on_models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node["config"].get("enabled", True)
        and not all(parent.startswith("source.") for parent in node["depends_on"]["nodes"])
    ]
    invariants = {node["name"] for node in on_models if "invariant" in node["tags"]}
    guards = {node["name"] for node in on_models} - invariants
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert guards and guards - checks == set(), "the tests guarding published numbers run in every build"
    assert len(invariants) > 100 and invariants & checks == set(), "the invariants are the job's, not a run's"
    layers = {
        manifest["nodes"][parent]["fqn"][1]
        for node in on_models
        if "invariant" in node["tags"]
        for parent in node["depends_on"]["nodes"]
        if parent.startswith("model.")
    }
    assert layers == {"staging", "intermediate"}, "every test on a mart stays a check of the run"


def test_the_schedule_and_sensors_are_off_until_switched_on_as_the_readme_says(defs):
    for name in ("daily_refresh_schedule", "dbt_invariants_schedule"):
        assert defs.resolve_schedule_def(name).default_status == DefaultScheduleStatus.STOPPED
    for name in ("new_ga4_export_files", "alert_on_run_failure"):
        assert defs.resolve_sensor_def(name).default_status == DefaultSensorStatus.STOPPED


def test_runs_execute_their_steps_in_one_process_so_a_run_is_one_writer(defs):
    assert defs.resolve_job_def("daily_refresh").executor_def.name == "in_process"
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"


def asset_names(defs) -> set[str]:
    return {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}


def test_one_process_builds_the_graphs_of_two_shops_side_by_side_each_with_its_own_models():
    """Regression: the manifest was read once per process and path, so a graph built after another
    selection's reused that selection's models (the e2e graph lost Klaviyo after a GA4+Shopify one)."""
    from ingestion.registry import SourceSelection

    ga4_and_shopify = asset_names(build_definitions(SourceSelection(("config", "ga4", "shopify"), "test")))
    ga4_only = asset_names(build_definitions(SourceSelection(("config", "ga4"), "test")))
    assert {"marts/fct_sessions", "marts/fct_orders", "raw_shopify/orders"} <= ga4_and_shopify
    assert "marts/fct_sessions" in ga4_only and "marts/fct_orders" not in ga4_only
    assert not any(name.startswith(("raw_shopify", "staging/stg_shopify")) for name in ga4_only)
    again = build_definitions(SourceSelection(("config", "ga4", "shopify"), "test"))
    assert asset_names(again) == ga4_and_shopify
