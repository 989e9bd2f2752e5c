"""The selection's manifest is parsed again under another profile environment, and a dbt step then
parses only what changed (dbt keeps a partial parse only under the profile it was made with: one
made under another warehouse made every step of a run parse the whole project)."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
from dagster_dbt import DbtProject

from ingestion.registry import SourceSelection
from microfunnel.settings import DBT_PROJECT_DIR
from orchestration.resources import (
    PARSE_ARGS_STAMP,
    ParseWhenStale,
    dbt_resource,
    dbt_vars_args,
    manifest_is_stale,
    parse_stamp,
)
from tests.support.environment import environment

pytestmark = pytest.mark.slow

GA4_ONLY = SourceSelection(enabled=("ga4",), decided_by="test")
PARSE_ARGS = ["parse", "--quiet", *dbt_vars_args(GA4_ONLY)]


@pytest.fixture
def project():
    """The dbt project with a manifest folder of its own (the shared ones stay as other tests left them)."""
    target = Path("target") / f"test-parse-{uuid.uuid4().hex[:8]}"
    yield DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=target)
    shutil.rmtree(DBT_PROJECT_DIR / target, ignore_errors=True)
    shutil.rmtree(DBT_PROJECT_DIR / f"{target}.parsing", ignore_errors=True)


def parse_when_stale(project: DbtProject) -> None:
    ParseWhenStale(prepare_project_cli_args=PARSE_ARGS).prepare_if_dev(project)


def parse_in_a_step(project: DbtProject) -> dict[str, dict]:
    """The parse events of a dbt step seeded with the folder's partial parse (as orchestration's
    steps are), by name: `UnableToPartialParse` when it parses the whole project again,
    `PartialParsingEnabled` with the files it finds added, changed and deleted."""
    step = Path(project.target_path).with_name(f"{Path(project.target_path).name}-step")
    (DBT_PROJECT_DIR / step).mkdir()
    shutil.copy(DBT_PROJECT_DIR / project.target_path / "partial_parse.msgpack", DBT_PROJECT_DIR / step)
    try:
        dbt_resource().cli(PARSE_ARGS, target_path=step).wait()
        events = [json.loads(line) for line in (DBT_PROJECT_DIR / step / "dbt.log").read_text().splitlines()]
        return {event["info"]["name"]: event["data"] for event in events}
    finally:
        shutil.rmtree(DBT_PROJECT_DIR / step, ignore_errors=True)


def test_another_warehouse_reparses_once_and_steps_parse_partially(project, tmp_path):
    folder = DBT_PROJECT_DIR / project.target_path
    killed = folder.with_name(f"{folder.name}.parsing")  # what a parse killed midway leaves behind
    killed.mkdir(parents=True)
    (killed / "manifest.json").write_text("{half")
    with environment({"WAREHOUSE_PATH": str(tmp_path / "a.duckdb")}):
        parse_when_stale(project)
        assert not manifest_is_stale(project, PARSE_ARGS)

    with environment({"WAREHOUSE_PATH": str(tmp_path / "b.duckdb")}):
        assert manifest_is_stale(project, PARSE_ARGS), "a manifest parsed under warehouse a is stale under b"
        parse_when_stale(project)
        assert not manifest_is_stale(project, PARSE_ARGS)
        step = parse_in_a_step(project)
        assert "UnableToPartialParse" not in step, "the step parses only what changed"
        assert step["PartialParsingEnabled"] == {"added": 0, "changed": 0, "deleted": 0}, (
            "nothing changed, not even the seeds (dagster-dbt's preparer marks them changed)"
        )

    stamp = json.loads((DBT_PROJECT_DIR / project.target_path / PARSE_ARGS_STAMP).read_text())
    assert stamp["args"] == PARSE_ARGS
    assert stamp["profile_env"]["WAREHOUSE_PATH"] == str(tmp_path / "b.duckdb")
    assert stamp["project_dir"] == str(DBT_PROJECT_DIR.resolve())
    # the parse ran in a scratch folder beside the manifest's (the killed one's leftovers cleared
    # first), was moved in whole and removed
    assert not killed.exists()
    assert json.loads((folder / "manifest.json").read_text())["nodes"]


def test_a_memory_bound_change_is_a_profile_change(project, tmp_path):
    """The stamp alone decides here (no dbt run): the same files and sources, another memory bound."""
    folder = DBT_PROJECT_DIR / project.target_path
    folder.mkdir(parents=True)
    warehouse = {"WAREHOUSE_PATH": str(tmp_path / "a.duckdb")}
    with environment(warehouse):
        (folder / "manifest.json").write_text("{}")
        (folder / PARSE_ARGS_STAMP).write_text(json.dumps(parse_stamp(PARSE_ARGS)))
        assert not manifest_is_stale(project, PARSE_ARGS)
    with environment({**warehouse, "MICROFUNNEL_DUCKDB_MEMORY_LIMIT": "1GB"}):
        assert manifest_is_stale(project, PARSE_ARGS)
