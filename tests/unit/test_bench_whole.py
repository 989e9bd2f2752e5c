"""The whole-pipeline benchmark's bookkeeping (bench/whole.py): which stage a step or dbt node
counts for, how a dbt step's time is shared among its stages, the printed table and the JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import whole
from bench.whole import (
    DAILY,
    DBT_END,
    DBT_GAPS,
    DBT_START,
    FUNNELS,
    INGEST,
    STAGING,
    STARTUP,
    STITCHING,
    TESTS,
    Interval,
    PeerResult,
    RunRecord,
    Step,
)
from bench.whole_peers import funnel_steps
from microfunnel.conversions import Catalog


def test_dbt_nodes_count_for_the_stage_of_their_folder_and_tests_for_tests():
    assert (
        whole.stage_of_node("model.microfunnel.stg_ga4__events", "models/staging/ga4/stg_ga4__events.sql")
        == STAGING
    )
    assert (
        whole.stage_of_node("model.microfunnel.dim_persons", "models/marts/identity/dim_persons.sql")
        == STITCHING
    )
    path = "models/intermediate/funnels/sequential/int_funnel_journeys.sql"
    assert whole.stage_of_node("model.microfunnel.int_funnel_journeys", path) == FUNNELS
    assert whole.stage_of_node("test.microfunnel.unique_x.1b5138ba10", path) == TESTS
    assert whole.stage_of_node("unit_test.microfunnel.fct_funnel_daily.rates", path) == TESTS


def test_a_day_grained_mart_is_a_daily_roll_up_whatever_its_folder():
    path = "models/marts/funnels/fct_funnel_daily.sql"
    assert whole.stage_of_node("model.microfunnel.fct_funnel_daily", path, ["day_grained"]) == DAILY


def test_steps_map_to_stages_and_dbt_steps_are_split_by_their_nodes():
    assert whole.stage_of_step("dlt_ga4") == INGEST
    assert whole.stage_of_step("serving__snapshot") == whole.PUBLISH
    assert whole.stage_of_step("dbt_models") is None
    assert whole.stage_of_step("marts__fct_funnel_steps_funnel_events_seen") == whole.CHECKS


def test_two_dbt_nodes_running_at_once_share_that_time_and_the_rest_is_dbt_overhead():
    window = Interval(100.0, 110.0, DBT_START)
    nodes = [Interval(102.0, 106.0, STAGING), Interval(104.0, 108.0, FUNNELS), Interval(109.0, 109.5, TESTS)]
    shares = whole.split_by_stage(window, nodes, seconds=10.5)
    assert shares[STAGING] == pytest.approx(2 + 1)  # alone 102-104, half of 104-106
    assert shares[FUNNELS] == pytest.approx(1 + 2)  # half of 104-106, alone 106-108
    assert shares[TESTS] == pytest.approx(0.5)
    assert shares[DBT_START] == pytest.approx(2)  # 100-102, before the first node
    assert shares[DBT_GAPS] == pytest.approx(1)  # 108-109
    assert shares[DBT_END] == pytest.approx(0.5 + 0.5)  # 109.5-110, and Dagster's 0.5 s beyond the window
    assert sum(shares.values()) == pytest.approx(10.5)


def test_the_stage_rows_of_a_run_add_up_to_its_wall_time():
    record = RunRecord("parquet", Path("/nowhere"), ["microfunnel", "run"], started=0.0, wall=30.0)
    record.steps = [
        Step("dlt_ga4", started=2.0, ended=7.0, seconds=5.0),
        Step("dbt_models", started=7.0, ended=27.0, seconds=20.0),
        Step("serving__snapshot", started=27.0, ended=28.0, seconds=1.0),
    ]
    record.nodes = [Interval(10.0, 20.0, STITCHING), Interval(20.0, 25.0, FUNNELS)]
    seconds = record.stage_seconds()
    assert seconds[STITCHING] == pytest.approx(10) and seconds[FUNNELS] == pytest.approx(5)
    assert seconds[DBT_START] == pytest.approx(3) and seconds[DBT_END] == pytest.approx(2)
    assert seconds[STARTUP] == pytest.approx(4)
    assert sum(seconds.values()) == pytest.approx(30.0)


def test_each_rss_sample_counts_for_the_stages_running_then():
    steps = [Interval(2.0, 7.0, INGEST), Interval(7.0, 9.0, DBT_START)]
    nodes = [Interval(7.5, 8.5, STAGING), Interval(8.0, 8.6, FUNNELS)]
    samples = [(1.0, 100), (3.0, 500), (7.2, 300), (8.2, 900), (8.55, 400)]
    assert whole.peak_by_stage(samples, steps, nodes) == {
        STARTUP: 100,
        INGEST: 500,
        DBT_START: 300,
        STAGING: 900,
        FUNNELS: 900,
    }


def test_the_runs_cpu_goes_to_the_stages_running_when_it_was_used_and_adds_up_to_its_total():
    steps = [Interval(2.0, 7.0, INGEST), Interval(7.0, 9.0, DBT_START)]
    nodes = [Interval(7.5, 8.5, STAGING), Interval(8.0, 8.6, FUNNELS)]
    samples = [(1.0, 0.5), (3.0, 2.5), (7.2, 3.0), (8.2, 4.0), (8.55, 4.2)]
    cpu = whole.cpu_by_stage(samples, steps, nodes, total=5.0)
    assert cpu[STARTUP] == pytest.approx(0.5 + 0.8)  # before the first sample, after the last
    assert cpu[INGEST] == pytest.approx(2.0) and cpu[DBT_START] == pytest.approx(0.5)
    assert cpu[STAGING] == pytest.approx(0.5) and cpu[FUNNELS] == pytest.approx(0.5 + 0.2)
    assert sum(cpu.values()) == pytest.approx(5.0)


def _row(stage: str, seconds: float, peers=()) -> dict:
    return whole._row(stage, seconds, 1_000_000, 512 * 2**20, list(peers), stage, "parquet")


def test_the_table_has_the_issue_columns_a_line_per_extra_peer_and_a_total():
    peers = [
        PeerResult(INGEST, "DuckDB read_parquet (floor)", 2.0, 0.2, True),
        PeerResult(INGEST, "dlt default", 100.0, 10.0, False, "a sample"),
    ]
    rows = [_row(INGEST, 10.0, peers), _row(STAGING, 5.0)]
    table = whole.format_table(rows, wall=15.0, peak_mb=512)
    lines = table.splitlines()
    columns = (
        "stage",
        "wall s",
        "CPU s",
        "rows/s",
        "peak RSS MB",
        "peer",
        "peer s",
        "ratio",
        "answer equal?",
    )
    for column in columns:
        assert column in lines[0]
    assert (
        lines[2].startswith("ingest") and "100,000" in lines[2] and "0.20x" in lines[2] and "yes" in lines[2]
    )
    assert lines[3].startswith(" ") and "dlt default" in lines[3] and "no (see note)" in lines[3]
    assert lines[-1].startswith("total") and "15.0" in lines[-1]
    assert "measured wall" not in table


def test_results_are_named_by_size_format_and_shape():
    assert whole.result_name(1_000_000, ["parquet"], "normal") == "whole-1M-parquet-normal"
    assert whole.result_name(50_000_000, ["parquet", "ndjson.gz"], "hub") == "whole-50M-both-hub"
    assert whole.result_name(250_000, ["ndjson.gz"], "shapes") == "whole-250k-ndjson.gz-shapes"
    assert whole.human_count(1_500_000) == "1.5M" and whole.human_count(1234) == "1234"


def test_the_json_of_a_run_holds_its_stages_steps_and_slowest_nodes(tmp_path):
    record = RunRecord("parquet", tmp_path, ["microfunnel", "run"], started=0.0, wall=12.0)
    record.steps = [Step("dlt_ga4", started=1.0, ended=6.0, seconds=5.0)]
    record.node_seconds = {
        "model.microfunnel.int_events_sessionized": 3.0,
        "test.microfunnel.unique_x.ab12": 1.0,
    }
    record.samples = [(2.0, 300 * 2**20)]
    document = whole.run_document(record, [_row(INGEST, 5.0)])
    path = whole.write_results({"name": "t", "main": document}, "t", tmp_path / "results")
    loaded = json.loads(path.read_text())["main"]
    assert set(loaded) >= {
        "label",
        "wall_s",
        "cpu_s",
        "exit_code",
        "peak_rss_mb",
        "stages",
        "steps",
        "timeline",
        "slowest_dbt_nodes",
    }
    assert loaded["timeline"] == [{"step": "dlt_ga4", "start": 1.0, "end": 6.0}]
    assert loaded["peak_rss_mb"] == 300 and loaded["steps"] == {"dlt_ga4": 5.0}
    assert loaded["slowest_dbt_nodes"][0] == {"node": "int_events_sessionized", "seconds": 3.0}
    assert loaded["slowest_dbt_nodes"][1]["node"] == "unique_x"
    assert set(loaded["stages"][0]) >= {"stage", "seconds", "cpu_s", "rows_per_s", "peak_rss_mb", "peers"}


def test_each_shapes_stage_is_a_ratio_to_the_normal_shape_and_short_stages_have_none():
    table = whole.shape_table({"normal": {STAGING: 2.0, TESTS: 0.1}, "hub": {STAGING: 7.0, TESTS: 0.4}})
    by_stage = {row["stage"]: row for row in table}
    assert by_stage[STAGING]["ratios"] == {"normal": 1.0, "hub": 3.5}
    assert by_stage[TESTS]["ratios"]["hub"] is None
    assert "3.50x!" in whole.format_shape_table(table)


def test_the_funnel_peers_take_the_first_ordered_funnel_whose_steps_are_events():
    catalog = Catalog.model_validate(
        {
            "micro_conversions": [
                {"name": "viewed", "kind": "action", "event_name": "view_item"},
                {"name": "pricing", "kind": "destination", "page_path": "/pricing*"},
            ],
            "funnels": [
                {"name": "any", "steps": ["viewed", "purchase"], "order": "any"},
                {"name": "pages", "steps": ["pricing", "purchase"]},
                {"name": "buy", "steps": ["session_start", "viewed", "purchase"], "window": "1 day"},
            ],
        }
    )
    assert funnel_steps(catalog) == ("buy", ["session_start", "view_item", "purchase"], 86_400)


def test_the_run_command_is_the_console_scripts_function_of_the_code_under_test(tmp_path):
    """bench/whole.py runs `python -c CONSOLE_SCRIPT run`: `entry` where the code has it, else `main`
    (a `--code` revision from before `entry`), from any folder, with the command's exit code."""
    done = subprocess.run(
        [sys.executable, "-c", whole.CONSOLE_SCRIPT, "validate"],
        cwd=tmp_path,
        env={**os.environ, "MICROFUNNEL_SOURCES": "ga4", "SOURCES__GA4__BUCKET_URL": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "ga4          on, configured" in done.stdout
