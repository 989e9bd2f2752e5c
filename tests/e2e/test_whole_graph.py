"""The whole graph on a small sandbox world, measured against the world's ground truth."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date

import pytest
from dagster import AssetCheckKey, AssetKey

from microfunnel.conversions import load_catalog
from microfunnel.settings import PROJECT_ROOT
from sandbox.ecb_rates import rate_on, reference_rates
from sandbox.truth_funnels import funnel_truth
from sandbox.truth_money import (
    first_purchases_by_campaign,
    order_days,
    orders_by_day,
    session_days,
    spend_by_day,
)
from tests.support.dbt import run_dbt
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
    seeds = {k for k in keys if k.path[0] == "seeds"}  # reference data in the repo (dbt seeds) are roots too
    for key in keys - raw - seeds:
        assert graph.get(key).parent_keys, f"{key.to_user_string()} has no upstream"
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
    # the shipped catalog's filtered steps and bounded exclusion are part of the check
    assert any(step.where for f in catalog.funnels for step in f.steps)
    assert any(x.between and x.between != (1, len(f.steps)) for f in catalog.funnels for x in f.exclude)
    wrong = {}
    for funnel in catalog.funnels:
        truth = funnel_truth(world, catalog, funnel)
        expected = Counter()
        for result in truth.values():
            for step in range(1, result.steps_reached + 1):
                expected[(funnel.name, step)] += 1
        got = {k: v for k, v in measured.items() if k[0] == funnel.name}
        if got != dict(expected):
            wrong[funnel.name] = (sorted(got.items()), sorted(expected.items()))
    assert not wrong, f"funnels differing from the ground truth (measured, truth): {wrong}"


def test_the_funnel_summary_equals_counting_the_funnel_steps(e2e_run):
    """fct_funnel_summary (what the demo summary and the report print) agrees with fct_funnel_steps."""
    settings, _ = e2e_run
    counted = rows(
        settings.warehouse_path,
        """
        with counts as (
            select funnel_name, step_index, count(distinct person_id) as persons
            from marts.fct_funnel_steps group by 1, 2
        )
        select funnel_name, step_index, persons,
               persons / lag(persons, 1, persons) over (partition by funnel_name order by step_index),
               persons / first_value(persons) over (partition by funnel_name order by step_index)
        from counts order by 1, 2
        """,
    )
    summary = rows(
        settings.warehouse_path,
        """
        select funnel_name, step_index, persons_reached, conversion_from_previous, conversion_from_first
        from marts.fct_funnel_summary where persons_reached > 0 order by 1, 2
        """,
    )
    assert summary and [row[:3] for row in summary] == [row[:3] for row in counted]
    for got, expected in zip(summary, counted, strict=True):
        assert got[3:] == pytest.approx(expected[3:], abs=1e-12), got


def test_the_serving_snapshot_holds_every_mart_and_matches_the_public_contract(e2e_run):
    settings, _ = e2e_run
    required = [
        "dim_persons",
        "dim_person_identifiers",
        "fct_sessions",
        "fct_micro_conversions",
        "fct_funnel_steps",
        "fct_funnel_daily",
        "fct_funnel_summary",
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
    from sandbox.served_world import identity_scores

    settings, world = e2e_run
    print_summary(settings, lambda: identity_scores(world, settings.serving_path))
    summary = capsys.readouterr().out
    assert "fct_funnel_steps" in summary and "1. session_start" in summary
    assert "identity vs ground truth: pairwise precision 1.0000" in summary
    assert "top campaigns by ROAS per attribution model" in summary
    for model in ("first_touch", "last_non_direct", "linear", "time_decay", "position_based"):
        assert f"\n  {model}\n    1. " in summary  # each model lists its best campaign first
    assert " EUR  revenue " in summary  # money in the reporting currency
    report = write_report(settings.serving_path, settings.serving_path.with_name("report.html")).read_text()
    sections = ("Funnels", "Which micro-steps go with buying", "Campaign ROAS per attribution model")
    assert all(f"<h2>{title}</h2>" in report for title in sections)  # the charts: test_whole_graph_report.py


def test_every_order_and_session_is_on_its_local_day_in_the_reporting_zone(e2e_run):
    settings, world = e2e_run
    path = settings.warehouse_path
    zone = rows(path, "select time_zone, time_zone_origin from intermediate.int_reporting_settings")
    assert zone == [("Europe/Berlin", "conversions.yml")]
    assert dict(rows(path, "select order_id, date_day from marts.fct_orders")) == order_days(world)
    sessions = rows(path, "select anonymous_id, session_id, date_day from marts.fct_sessions")
    measured = {(cookie, int(session_id.rsplit("-", 1)[1])): day for cookie, session_id, day in sessions}
    assert measured == session_days(world)


def test_orders_and_revenue_per_local_day_equal_the_truth_across_the_dst_change(e2e_run):
    settings, world = e2e_run
    found = rows(
        settings.warehouse_path, "select date_day, count(*), sum(revenue) from marts.fct_orders group by 1"
    )
    measured = {day: (n, revenue) for day, n, revenue in found}
    assert measured == orders_by_day(world)
    assert date(2026, 10, 25) in measured  # the 25-hour day


def test_spend_per_platform_and_account_day_equals_the_truth_to_the_cent_in_both_currencies(e2e_run):
    settings, world = e2e_run
    rates = reference_rates(world.spec)
    truth = spend_by_day(world, lambda currency, day: rate_on(rates, currency, day))
    found = rows(
        settings.warehouse_path,
        "select platform, date_day, sum(spend_in_account_currency), sum(spend), "
        "any_value(reporting_currency) from marts.fct_campaign_performance_daily group by 1, 2",
    )
    assert {(p, d): (a, r) for p, d, a, r, _ in found if a or r} == {k: v for k, v in truth.items() if any(v)}
    assert {currency for *_, currency in found} == {"EUR"}
    accounts = rows(
        settings.warehouse_path,
        "select distinct platform, account_currency, account_time_zone "
        "from marts.fct_campaign_performance_daily where account_currency is not null order by 1",
    )
    assert accounts == [("google_ads", "USD", "America/New_York"), ("meta_ads", "GBP", "Europe/London")]


def test_the_campaign_that_drove_the_most_first_purchases_ranks_first_under_last_non_direct(e2e_run):
    settings, world = e2e_run
    truth = first_purchases_by_campaign(world)
    found = rows(
        settings.warehouse_path,
        "select platform, campaign_id, sum(new_customers) from marts.fct_campaign_performance_daily "
        "group by 1, 2 order by 3 desc, 1, 2",
    )
    assert found and found[0][:2] in {key for key, n in truth.items() if n == max(truth.values())}
    assert {(p, c): n for p, c, n in found if n} == pytest.approx(truth)


def test_microfunnel_run_executes_every_asset_check_the_daily_job_runs(e2e_defs, e2e_outcome):
    # Regression: run_graph handed only the assets to materialize(), so the checks registered
    # beside them (funnel anomalies) ran in the scheduled job alone.
    _, _, result = e2e_outcome
    daily_job_checks = set(e2e_defs.resolve_job_def("daily_refresh").asset_layer.asset_graph.asset_check_keys)
    evaluated = {evaluation.asset_check_key for evaluation in result.get_asset_check_evaluations()}
    assert evaluated == daily_job_checks
    names = {key.name for key in evaluated}
    assert {
        "fresh_data",
        "funnel_conversion_within_trailing_band",
        "orders_and_revenue_reconcile_with_shopify",
        "spend_reconciles_with_ad_platforms",
    } <= names


def test_every_raw_source_and_every_dated_mart_has_a_freshness_check_that_passes(e2e_outcome):
    settings, _, result = e2e_outcome
    fresh = {
        evaluation.asset_check_key.asset_key: evaluation
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.asset_check_key.name == "fresh_data"
    }
    assert {key.path[0] for key in fresh} >= {"raw_ga4", "raw_google_ads", "raw_meta_ads", "raw_shopify"}
    dated_marts = {
        table
        for (table,) in rows(
            settings.warehouse_path,
            "select distinct table_name from information_schema.columns where table_schema = 'marts' "
            "and column_name in ('date_day', 'occurred_at', 'reached_at', 'ordered_at', 'started_at', "
            "'last_seen_at') and table_name <> 'fct_funnel_conversion_anomalies'",
        )
    }
    assert dated_marts and {key.path[1] for key in fresh if key.path[0] == "marts"} == dated_marts
    stale = {key.to_user_string(): e.metadata for key, e in fresh.items() if not e.passed}
    assert not stale, f"the sandbox world, judged at its own clock, is fresh: {stale}"


def test_a_corrupted_mart_row_fails_reconciliation_and_the_snapshot_is_not_published(
    e2e_defs, e2e_run, tmp_path, monkeypatch
):
    import duckdb
    from dagster import AssetSelection, DagsterInstance, materialize

    settings, _ = e2e_run
    corrupted = tmp_path / "warehouse.duckdb"
    shutil.copy(settings.warehouse_path, corrupted)
    serving = tmp_path / "serving.duckdb"
    monkeypatch.setenv("WAREHOUSE_PATH", str(corrupted))
    monkeypatch.setenv("SERVING_PATH", str(serving))
    with duckdb.connect(str(corrupted)) as connection:
        connection.execute(
            "update marts.fct_orders set revenue = revenue + 10 "
            "where order_id = (select min(order_id) from marts.fct_orders where not is_cancelled)"
        )
    reconciliation = [
        AssetCheckKey(AssetKey(["marts", "fct_orders"]), "orders_and_revenue_reconcile_with_shopify"),
        AssetCheckKey(
            AssetKey(["marts", "fct_campaign_performance_daily"]), "spend_reconciles_with_ad_platforms"
        ),
    ]
    result = materialize(
        [*e2e_defs.assets, *e2e_defs.asset_checks],
        selection=AssetSelection.assets(AssetKey(["serving", "snapshot"]))
        | AssetSelection.checks(*reconciliation),
        instance=DagsterInstance.ephemeral(),
        resources=e2e_defs.resources,
        raise_on_error=False,
    )
    outcome = {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}
    orders = outcome["orders_and_revenue_reconcile_with_shopify"]
    assert not orders.passed and "revenue" in orders.metadata["details"].value
    assert outcome["spend_reconciles_with_ad_platforms"].passed
    assert not result.success
    assert not serving.exists(), "a mart that does not reconcile is never published"


def test_the_invariants_job_tests_the_layers_under_the_marts_and_names_a_broken_invariant(
    e2e_defs, e2e_run, tmp_path, monkeypatch
):
    import duckdb
    from dagster import DagsterInstance

    from ingestion.registry import enabled_sources
    from orchestration.resources import dbt_project

    settings, _ = e2e_run
    broken = tmp_path / "warehouse.duckdb"
    shutil.copy(settings.warehouse_path, broken)
    monkeypatch.setenv("WAREHOUSE_PATH", str(broken))
    job = e2e_defs.resolve_job_def("dbt_invariants")
    held = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert held.success, "every invariant holds on the sandbox world"
    (output,) = [e for e in held.all_events if e.event_type_value == "STEP_OUTPUT"]
    counts = {key: entry.value for key, entry in output.event_specific_data.metadata.items()}
    assert counts["tests"] > 100 and counts["failed"] == counts["warned"] == 0

    manifest = json.loads(dbt_project(enabled_sources()).manifest_path.read_text())
    test = next(
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and "invariant" in node["tags"]
        and node.get("test_metadata", {}).get("name") == "not_null"
        and node["attached_node"].startswith("model.microfunnel.int_identity_edges")
    )
    model = manifest["nodes"][test["attached_node"]]
    column = test["column_name"]
    with duckdb.connect(str(broken)) as connection:
        connection.execute(
            f"update {model['schema']}.{model['name']} set {column} = null "
            f"where rowid = (select min(rowid) from {model['schema']}.{model['name']})"
        )
    failed = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert not failed.success
    failure = next(e for e in failed.all_events if e.event_type_value == "STEP_FAILURE")
    assert test["name"] in failure.event_specific_data.error.message


def test_every_dbt_unit_test_passes_on_a_copy_of_the_built_warehouse(e2e_run, tmp_path):
    """Runs leave dbt's unit tests out (they check the SQL, not the data), and most of them read
    their inputs' columns from built relations: here all of them run on a copy of the whole graph's
    warehouse (the warehouse-free ones also alone, tests/models/test_dbt_unit_tests.py)."""
    settings, _ = e2e_run
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(settings.warehouse_path, warehouse)
    done = run_dbt("test", "--select", "test_type:unit", warehouse=warehouse)
    manifest = json.loads((done.target_path / "manifest.json").read_text())
    results = {r["unique_id"]: r["status"] for r in done.results() if r["unique_id"].startswith("unit_test.")}
    assert len(manifest["unit_tests"]) >= 40
    assert results == {unique_id: "pass" for unique_id in manifest["unit_tests"]}


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


@pytest.mark.parametrize(
    ("selection", "said"),
    [
        ("serving__snapshot", "Did you mean serving/snapshot?"),  # dbt's node name, not the asset key
        ("key:marts/fct_funnel_stepz", "Did you mean marts/fct_funnel_steps"),  # valid, selects nothing
        ("((", "Invalid selection string"),
    ],
)
def test_a_selection_that_names_no_asset_is_a_clear_error_before_anything_runs(
    e2e_settings, capsys, selection, said
):
    from commands import runner

    with pytest.raises(runner.SelectionError, match=re.escape(said)):
        runner.asset_selection(runner.load_definitions(e2e_settings), selection)
    assert runner.run_graph(selection=selection, settings=e2e_settings) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: --select {selection!r} selects no asset") and "Traceback" not in error


def test_a_valid_selection_is_taken_as_dagster_reads_it(e2e_defs):
    from commands.runner import asset_selection

    chosen = asset_selection(e2e_defs, "raw_ga4/events+")
    keys = chosen.resolve(e2e_defs.resolve_asset_graph())
    assert AssetKey(["raw_ga4", "events"]) in keys and AssetKey(["staging", "stg_ga4__events"]) in keys
