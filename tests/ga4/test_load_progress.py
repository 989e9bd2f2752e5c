"""A source's load says its progress: rows extracted, rows normalized, files loaded (ingestion.progress).

Real dlt loads of a small GA4 export into a temp warehouse: the counts in the lines are dlt's
own, and must end at what reached the warehouse.
"""

from __future__ import annotations

import io

import pytest
from dagster import DagsterInstance, Definitions, define_asset_job, in_process_executor

from commands.run_output import step_lines_logger
from ingestion import progress
from ingestion.pipelines import LOADER_FILE_FORMAT, make_pipeline, source_function
from ingestion.progress import LoadProgress
from ingestion.registry import SourceSelection
from orchestration.assets.ingestion import enabled_source_assets
from orchestration.partitions import range_tags
from sandbox.ga4_export import write_ga4_export
from sandbox.simulate import WorldSpec, simulate
from tests.support.environment import environment

pytestmark = pytest.mark.slow  # each test runs a dlt pipeline into a DuckDB file

SPEC = WorldSpec(seed=5, persons=60, days=3)


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("progress") / "ga4"
    write_ga4_export(simulate(SPEC), folder)
    return folder


def last(lines: list[str], stage: str) -> str:
    return [line for line in lines if line.startswith(f"{stage}:")][-1]


def test_a_load_says_rows_extracted_rows_normalized_and_files_loaded(export, settings, query):
    said: list[str] = []
    pipeline = make_pipeline("ga4", settings)
    pipeline.collector = LoadProgress(said.append, every=0)  # every count: no waiting in a test
    pipeline.run(source_function("ga4")(bucket_url=str(export)), loader_file_format=LOADER_FILE_FORMAT)
    loaded = query("select count(*) from raw_ga4.events")[0][0]
    assert loaded > 500
    assert last(said, "extract") == f"extract: {loaded:,} rows"
    assert last(said, "normalize") == f"normalize: {loaded:,}/{loaded:,} rows"
    files_done, files_total = last(said, "load").removeprefix("load: ").removesuffix(" files").split("/")
    assert files_done == files_total and int(files_total) >= 1
    # counts only grow within a stage
    extracted = [int(line.split()[1].replace(",", "")) for line in said if line.startswith("extract:")]
    assert extracted == sorted(extracted)


def test_a_load_shorter_than_the_interval_says_nothing(export, settings):
    said: list[str] = []
    pipeline = make_pipeline("ga4", settings)
    pipeline.collector = LoadProgress(said.append)  # ~10 s between lines; this load takes less
    pipeline.run(source_function("ga4")(bucket_url=str(export)), loader_file_format=LOADER_FILE_FORMAT)
    assert said == []


def test_microfunnel_run_shows_a_loads_progress_under_its_step(
    export, settings, query, monkeypatch, tmp_path
):
    # the dlt asset as `microfunnel run` executes it: the step-lines logger on the console
    monkeypatch.setattr(progress, "LOAD_EVERY_SECONDS", 0)
    console, log_file = io.StringIO(), io.StringIO()
    job = define_asset_job("load_ga4", executor_def=in_process_executor)
    defs = Definitions(
        assets=enabled_source_assets(SourceSelection(enabled=("ga4",), decided_by="test")),
        jobs=[job],
        loggers={"console": step_lines_logger(console, log_file)},
    )
    env = {"WAREHOUSE_PATH": str(settings.warehouse_path), "SOURCES__GA4__BUCKET_URL": str(export)}
    with environment(env), DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("load_ga4").execute_in_process(
            run_config={"loggers": {"console": {}}}, instance=instance, tags=range_tags()
        )
    assert result.success
    loaded = query("select count(*) from raw_ga4.events")[0][0]
    lines = console.getvalue().splitlines()
    assert f"  dlt_ga4 extract: {loaded:,} rows" in lines
    assert f"  dlt_ga4 normalize: {loaded:,}/{loaded:,} rows" in lines
    assert lines[0] == "  dlt_ga4 started" and lines[-1].startswith("  dlt_ga4 done in ")
