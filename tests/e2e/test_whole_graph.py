"""The whole graph on a small sandbox world, measured against the world's ground truth."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
from dagster import AssetKey

from microfunnel.conversions import load_catalog
from microfunnel.settings import PROJECT_ROOT
from sandbox.truth_funnels import funnel_truth
from tests.support.warehouse import rows, scalar, table_names

pytestmark = pytest.mark.slow

CHECK_MARTS = PROJECT_ROOT.parent / "shared" / "contract" / "check_marts.py"


def test_the_asset_graph_is_connected_from_raw_tables_to_the_serving_snapshot(e2e_defs):
    graph = e2e_defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    unproduced = [k for k in keys if not graph.get(k).is_materializable]
    assert not unproduced, f"dbt sources without a dlt asset feeding them: {unproduced}"
    raw = {k for k in keys if k.path[0].startswith("raw_")}
    assert {k.path[0] for k in raw} >= {"raw_ga4", "raw_config"}
    for key in keys - raw:
        assert graph.get(key).parent_keys or key in raw, f"{key.to_user_string()} has no upstream"
    marts = {k for k in keys if k.path[0] == "marts"}
    assert marts and marts <= graph.get(AssetKey(["serving", "snapshot"])).parent_keys


def test_dbt_tests_are_loaded_as_asset_checks(e2e_defs):
    checks = list(e2e_defs.resolve_asset_graph().asset_check_keys)
    assert any(check.asset_key.path == ["marts", "fct_sessions"] for check in checks)


def test_funnel_steps_equal_the_ground_truth_exactly(e2e_run):
    settings, world = e2e_run
    catalog = load_catalog(settings.conversions_config)
    steps = rows(
        settings.warehouse_path,
        "select funnel_name, step_index, count(distinct person_id) from marts.fct_funnel_steps group by 1, 2",
    )
    measured = {(funnel, step): persons for funnel, step, persons in steps}
    for funnel in catalog.funnels:
        truth = funnel_truth(world, catalog, funnel)
        expected = Counter()
        for result in truth.values():
            for step in range(1, result.steps_reached + 1):
                expected[(funnel.name, step)] += 1
        got = {k: v for k, v in measured.items() if k[0] == funnel.name}
        assert got == dict(expected), f"funnel {funnel.name}"


def test_the_serving_snapshot_holds_every_mart_and_matches_the_public_contract(e2e_run):
    settings, _ = e2e_run
    required = [
        "dim_persons",
        "dim_person_identifiers",
        "fct_sessions",
        "fct_micro_conversions",
        "fct_funnel_steps",
        "fct_funnel_daily",
        "fct_orders",
        "fct_attribution",
        "fct_campaign_performance_daily",
        "fct_micro_conversion_impact",
    ]
    completed = subprocess.run(
        [sys.executable, str(CHECK_MARTS), str(settings.serving_path), "--require", *required],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout
    built = table_names(settings.warehouse_path, "marts")
    served = table_names(settings.serving_path, "marts")
    assert served == built


@pytest.mark.parametrize("table", ["fct_sessions", "fct_micro_conversions"])
def test_every_fact_row_has_a_person(e2e_run, table):
    settings, _ = e2e_run
    assert scalar(settings.warehouse_path, f"select count(*) from marts.{table} where person_id is null") == 0


def test_the_demo_summary_and_report_read_the_published_marts(e2e_run, capsys):
    from commands.report import write_report
    from commands.summary import print_summary

    settings, world = e2e_run
    print_summary(settings, world)
    summary = capsys.readouterr().out
    assert "fct_funnel_steps" in summary and "1. session_start" in summary
    assert "identity vs ground truth: pairwise precision 1.0000" in summary
    report = write_report(settings.serving_path, settings.serving_path.with_name("report.html")).read_text()
    assert all(part in report for part in ("<h2>Funnels</h2>", "Which micro-steps matter", "Campaigns"))


def test_klaviyo_opens_and_clicks_reach_fct_micro_conversions_and_match_the_truth_per_person(e2e_run):
    from sandbox.truth_email import email_engagement

    settings, world = e2e_run
    measured = rows(
        settings.warehouse_path,
        "select person_id, conversion_name, event_id from marts.fct_micro_conversions "
        "where conversion_name in ('email_opened', 'email_clicked')",
    )
    true_person = {f"klaviyo:{e.event_id}": e.profile.person.person_id for e in world.email_events}
    got = Counter((true_person[event_id], name) for _, name, event_id in measured)
    expected = Counter()
    for row in email_engagement(world):
        expected[(row.person_id, "email_opened")] += row.opened
        expected[(row.person_id, "email_clicked")] += row.clicked
    assert got == +expected and got
    owners: dict[str, set[str]] = {}
    for person_id, _, event_id in measured:
        owners.setdefault(person_id, set()).add(true_person[event_id])
    assert all(len(persons) == 1 for persons in owners.values()), "no two true persons' emails glued"
    # a subscriber's opens sit on the person of the browser they signed up on (the form's GA client id)
    browsers = dict(
        rows(
            settings.warehouse_path,
            "select identifier_value, person_id from marts.dim_person_identifiers "
            "where identifier_type = 'anonymous_id'",
        )
    )
    opened_on = {
        true_person[event_id]: person for person, name, event_id in measured if name == "email_opened"
    }
    subscribers = [
        p
        for p in world.email_profiles
        if p.ga_client_id and p.person.person_id in opened_on and p.person.kind == "regular"
    ]
    assert subscribers
    for profile in subscribers:
        assert opened_on[profile.person.person_id] == browsers[profile.ga_client_id], profile.person.person_id
