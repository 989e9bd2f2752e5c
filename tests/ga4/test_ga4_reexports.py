"""GA4 export files are picked up by modification time, whatever day they hold, and replace their day."""

import os
from datetime import timedelta
from pathlib import Path

import pytest

from ingestion.pipelines import make_pipeline, run_source
from sandbox.ga4_export import write_ga4_export
from sandbox.simulate import WorldSpec, simulate
from tests.support.dbt import run_dbt

pytestmark = pytest.mark.slow  # each test runs dlt pipelines into a DuckDB file

SPEC = WorldSpec(seed=11, persons=60, days=24)


@pytest.fixture(scope="module")
def world():
    return simulate(SPEC)


def load(settings, folder: Path, **kwargs) -> int:
    """Load, and return how many event rows this run read from files."""
    run_source("ga4", settings, bucket_url=str(folder), **kwargs)
    trace = make_pipeline("ga4", settings).last_trace
    return trace.last_normalize_info.row_counts.get("events", 0) if trace.last_normalize_info else 0


def touch_later(path: Path, seconds: float = 5.0) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime + seconds, stat.st_mtime + seconds))


def test_a_day_re_exported_20_days_later_is_picked_up_and_replaces_its_rows(tmp_path, world, settings, query):
    folder = tmp_path / "ga4"
    write_ga4_export(world, folder)
    old_day = SPEC.end_date - timedelta(days=20)
    old_file = folder / f"events_{old_day:%Y%m%d}.json"
    complete = old_file.read_text().splitlines()
    assert len(complete) > 20
    late_rows = complete[-max(2, len(complete) // 50) :]  # ~2 % of the day arrives late
    old_file.write_text("\n".join(complete[: -len(late_rows)]) + "\n")
    load(settings, folder)
    before = query("select count(*) from raw_ga4.events")[0][0]

    old_file.write_text("\n".join(complete) + "\n")  # GA4 re-exports the 20-day-old day
    touch_later(old_file)
    read = load(settings, folder)

    total, distinct = query("select count(*), count(distinct event_key) from raw_ga4.events")[0]
    assert read == query(f"select count(*) from raw_ga4.events where _export_day = '{old_day}'")[0][0], (
        "only the re-exported file was read"
    )
    assert total == distinct == len(world.events), "the late rows arrived and nothing doubled"
    assert total > before
    from_other_files = query(
        f"select count(*) from raw_ga4.events where _export_day = '{old_day}' "
        f"and _export_file not like '%events_{old_day:%Y%m%d}.json'",
    )[0][0]
    assert from_other_files == 0, "a day's rows come only from that day's file"


def test_a_run_with_no_changed_file_reads_nothing(tmp_path, world, settings, query):
    folder = tmp_path / "ga4"
    write_ga4_export(world, folder)
    assert load(settings, folder) == len(world.events)
    assert load(settings, folder) == 0
    assert query("select count(*) from raw_ga4.events")[0][0] == len(world.events)


def test_start_and_end_date_read_those_days_whatever_the_cursor(tmp_path, world, settings, query):
    folder = tmp_path / "ga4"
    write_ga4_export(world, folder)
    load(settings, folder)
    first, last = SPEC.start_date + timedelta(days=3), SPEC.start_date + timedelta(days=5)
    expected = query(
        f"select count(*) from raw_ga4.events where _export_day between '{first}' and '{last}'",
    )[0][0]
    read = load(settings, folder, start_date=first.isoformat(), end_date=last.isoformat())
    assert read == expected > 0
    assert query("select count(*) from raw_ga4.events")[0][0] == len(world.events)
    assert load(settings, folder) == 0, "a backfill leaves the modification-time cursor alone"


def test_an_empty_bucket_still_creates_the_typed_events_table(tmp_path, settings, query):
    folder = tmp_path / "ga4"
    folder.mkdir()
    load(settings, folder)
    columns = dict(
        query(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_ga4' and table_name = 'events'",
        )
    )
    assert columns["event_key"] == "VARCHAR" and columns["event_timestamp"] == "BIGINT"
    assert columns["_export_day"] == "DATE"
    assert query("select count(*) from raw_ga4.events")[0][0] == 0


def test_a_days_shards_load_together_and_an_event_in_two_of_them_is_one_row(tmp_path, world, settings, query):
    """BigQuery exports a large day as several shards (events_YYYYMMDD_000000000000.json, ...); the
    day's files are keyed together, so an event delivered in two shards is one row, not two."""
    folder = tmp_path / "ga4"
    write_ga4_export(world, folder)
    day = SPEC.start_date + timedelta(days=3)
    whole = folder / f"events_{day:%Y%m%d}.json"
    lines = whole.read_text().splitlines()
    half = len(lines) // 2
    whole.unlink()
    (folder / f"events_{day:%Y%m%d}_000000000000.json").write_text("\n".join(lines[: half + 5]) + "\n")
    (folder / f"events_{day:%Y%m%d}_000000000001.json").write_text("\n".join(lines[half:]) + "\n")
    load(settings, folder)
    total, distinct = query("select count(*), count(distinct event_key) from raw_ga4.events")[0]
    assert total == distinct == len(world.events), "the five events in both shards are one row each"
    files = query(f"select count(distinct _export_file) from raw_ga4.events where _export_day = '{day}'")[0][
        0
    ]
    assert files == 2


def test_a_crash_before_the_replaced_rows_are_dropped_converges_at_the_next_load(
    tmp_path, world, settings, query, monkeypatch
):
    """dlt appends a re-exported day beside its old rows; the settle after the load drops the old ones.
    Killed in between, the next load drops them, even though it reads no file."""
    folder = tmp_path / "ga4"
    write_ga4_export(world, folder)
    load(settings, folder)
    day = SPEC.start_date + timedelta(days=4)
    touch_later(folder / f"events_{day:%Y%m%d}.json")

    def killed(*_args):
        raise KeyboardInterrupt("run killed after dlt's load, before the settle")

    monkeypatch.setattr("ingestion.replaced_rows.drop_replaced_rows", killed)
    with pytest.raises(KeyboardInterrupt):
        load(settings, folder)
    total, distinct = query("select count(*), count(distinct event_key) from raw_ga4.events")[0]
    assert total > distinct == len(world.events), "the day's old and new rows, side by side"
    run_dbt(
        "run", "--select", "stg_ga4__events", "stg_ga4__event_properties", warehouse=settings.warehouse_path
    )
    for model in ("stg_ga4__events", "stg_ga4__event_properties"):
        staged, staged_keys = query(f"select count(*), count(distinct event_key) from staging.{model}")[0]
        assert staged == staged_keys == len(world.events), f"{model} reads each day's newest read only"

    monkeypatch.undo()
    assert load(settings, folder) == 0
    total, distinct, extracted = query(
        "select count(*), count(distinct event_key), "
        f"count(distinct _extracted_at) filter (where _export_day = '{day}') from raw_ga4.events"
    )[0]
    assert total == distinct == len(world.events) and extracted == 1
