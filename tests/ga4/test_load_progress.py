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


def without_rates(lines: list[str]) -> list[str]:
    """The counts of the lines: a rate depends on the machine's speed."""
    return [line.split(" (")[0] for line in lines]


def last(lines: list[str], stage: str) -> str:
    return [line for line in without_rates(lines) if line.startswith(f"{stage}:")][-1]


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
    lines = without_rates(console.getvalue().splitlines())
    assert f"  dlt_ga4 extract: {loaded:,} rows" in lines
    assert f"  dlt_ga4 normalize: {loaded:,}/{loaded:,} rows" in lines
    assert lines[0] == "  dlt_ga4 started" and lines[-1].startswith("  dlt_ga4 done in ")


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_load_of_short_stages_still_says_a_line_every_interval_of_the_whole_load():
    # Regression: a 14 s GA4 load printed nothing: each stage alone was shorter than the interval.
    clock, said = FakeClock(), []
    collector = LoadProgress(said.append, every=10, clock=clock)
    with collector("Extract ga4"):
        for _ in range(6):
            clock.now += 1
            collector.update("events", 1_000)
        collector.update("_dlt_pipeline_state", 1)
    with collector("Extract _dlt_pipeline_state"):  # dlt extracts its state in a step of its own
        collector.update("_dlt_pipeline_state", 1)
    with collector("Normalize ga4 in 1764870000.1"):
        collector.update("Files", 0, 2)
        for _ in range(6):
            clock.now += 1
            collector.update("events", 1_000)
            collector.update("events__event_params", 9_000)  # a nested table: not the source's rows
    with collector("Load ga4 in 1764870000.1"):
        collector.update("Jobs", 0, 3)
        clock.now += 1
        collector.update("Jobs")
        collector.update("Jobs", 1, label="Completed")
        collector.update("Jobs", inc=0, inc_total=1)  # a merge's follow-up job
        for _ in range(3):
            clock.now += 1
            collector.update("Jobs")
    assert said == [
        "normalize: 4,000/6,000 rows (1,000 rows/s)",  # 10 s into the load
        "normalize: 6,000/6,000 rows (1,000 rows/s)",  # the stage's final count, once a line was said
        "load: 4/4 files (1.0 files/s)",
    ]
