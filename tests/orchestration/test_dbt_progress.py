"""A dbt build says its node count as dbt's events arrive: 'dbt build: 120/344 nodes'.

(orchestration.progress; the events are dbt's own, serialized as `--log-format json` writes them)
"""

from __future__ import annotations

import logging

import pytest
from dagster_dbt import DbtCliResource
from dagster_dbt.core import resource as dagster_dbt_resource
from dbt.events.types import LogModelResult, LogStartLine, LogTestResult, SkippingDetails
from dbt_common.events.base_types import msg_from_base_event
from dbt_common.events.functions import msg_to_dict

from microfunnel.progress import PROGRESS_MARK
from orchestration import progress
from orchestration.progress import DbtNodeProgress, dbt_events_with_progress
from orchestration.resources import DbtCli, dbt_executable
from tests.support.dbt import DBT


def dbt_json(event) -> dict:
    """The event as dbt writes it with `--log-format json`, the lines dagster-dbt reads."""
    return msg_to_dict(msg_from_base_event(event))


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_node_count_follows_dbts_result_events_at_most_every_interval():
    clock, said = FakeClock(), []
    counter = DbtNodeProgress(said.append, every=10, clock=clock)
    for index in range(1, 345):
        clock.now += 0.25  # 4 nodes a second: 86 s in all
        counter.observe(
            dbt_json(LogStartLine(description=f"sql table model main.m{index}", index=index, total=344))
        )
        if index % 2:
            done = LogModelResult(
                description=f"m{index}", status="success", index=index, total=344, execution_time=0.1
            )
        else:
            done = LogTestResult(
                name=f"t{index}", status="pass", index=index, num_models=344, execution_time=0.1
            )
        counter.observe(dbt_json(done))
    counter.finish()
    assert said[0] == "dbt build: 40/344 nodes (4.0 nodes/s)"
    assert said[-1] == "dbt build: 344/344 nodes (4.0 nodes/s)"
    assert len(said) == 9  # every 10 s of 86 s, then the final count


def test_a_skipped_node_reported_twice_counts_once():
    said: list[str] = []
    counter = DbtNodeProgress(said.append, every=0)
    counter.observe(dbt_json(LogStartLine(description="sql table model main.a", index=1, total=3)))
    counter.observe(
        dbt_json(LogModelResult(description="a", status="error", index=1, total=3, execution_time=0.1))
    )
    for _ in range(2):
        skip = SkippingDetails(resource_type="model", schema="main", node_name="b", index=2, total=3)
        counter.observe(dbt_json(skip))
    assert said == ["dbt build: 1/3 nodes", "dbt build: 2/3 nodes", "dbt build: 2/3 nodes"]


TINY_PROJECT = {
    "dbt_project.yml": "name: tiny\nversion: '1.0'\nprofile: tiny\nmodel-paths: [models]\n",
    "models/first.sql": "select 1 as id union all select 2 as id",
    "models/second.sql": "select id * 10 as id from {{ ref('first') }}",
    "models/schema.yml": (
        "models:\n  - name: second\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n"
    ),
}


class LogContext:
    """What the progress needs of an asset's context: its log."""

    def __init__(self):
        self.lines: list[str] = []
        self.log = logging.getLogger("test_dbt_progress")
        self.log.info = self.lines.append  # type: ignore[method-assign]


def tiny_project(folder) -> None:
    for name, text in TINY_PROJECT.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    warehouse = folder / "tiny.duckdb"
    (folder / "profiles.yml").write_text(
        f"tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '{warehouse}'\n"
    )


def no_version_probe(*args, **kwargs):
    raise AssertionError(f"dagster-dbt ran {args[0]} in a child process before the build")


@pytest.mark.slow
def test_a_real_dbt_build_streams_its_events_and_says_its_node_count(tmp_path, monkeypatch):
    """Through our resource (orchestration.resources.DbtCli): no `dbt --version` child process and no
    dbt adapter in this process before the build, and the same events as dagster-dbt's own."""
    tiny_project(tmp_path)
    monkeypatch.setattr(progress, "BUILD_EVERY_SECONDS", 0)
    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_version_probe)
    dbt = DbtCli(project_dir=str(tmp_path), profiles_dir=str(tmp_path), dbt_executable=DBT)
    manifest = dbt.cli(["parse"], target_path=tmp_path / "parse").wait().target_path / "manifest.json"
    context = LogContext()
    invocation = dbt.cli(["build"], manifest=manifest)
    assert invocation.adapter is None
    events = list(dbt_events_with_progress(invocation, context))
    # the same Dagster events dagster-dbt's stream() gives: two models built, two tests evaluated
    assert sorted(type(e).__name__ for e in events) == sorted(
        ["AssetMaterialization"] * 2 + ["AssetCheckEvaluation"] * 2
    )
    counts = [line.removeprefix(PROGRESS_MARK).split(" (")[0] for line in context.lines]  # without rates
    assert all(line.startswith(PROGRESS_MARK) for line in context.lines)
    assert counts == [f"dbt build: {done}/4 nodes" for done in range(1, 5)]


@pytest.mark.slow
def test_our_resource_knows_the_version_dagster_dbt_asks_the_dbt_executable_for(tmp_path):
    tiny_project(tmp_path)
    kwargs = {"project_dir": str(tmp_path), "profiles_dir": str(tmp_path), "dbt_executable": dbt_executable()}
    assert DbtCli(**kwargs)._cli_version == DbtCliResource(**kwargs)._cli_version  # the latter runs it
