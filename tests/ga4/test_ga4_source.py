"""The GA4 source against export files on disk, loaded into a temp warehouse."""

from datetime import timedelta
from pathlib import Path

import pytest
from dlt.common import logger as dlt_logger

from ingestion.pipelines import make_pipeline, run_source
from ingestion.sources.ga4.helpers import Ga4ExportError
from sandbox.ga4_export import write_ga4_export
from sandbox.simulate import WorldSpec, simulate
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow  # each test runs dlt pipelines into a DuckDB file

SPEC = WorldSpec(seed=5, persons=250, days=10)


@pytest.fixture(scope="module")
def world():
    return simulate(SPEC)


def load(settings, folder: Path, **kwargs):
    return run_source("ga4", settings, bucket_url=str(folder), **kwargs)


def unique_events_exported(world, as_of=None) -> int:
    as_of = as_of or SPEC.end_date + timedelta(days=3)
    return sum(
        1
        for e in world.events
        if e.event_date + timedelta(days=e.arrival_delay_days) <= as_of and e.event_date <= as_of
    )


def test_loading_twice_adds_no_duplicates(tmp_path, world, settings, query):
    write_ga4_export(world, tmp_path / "ga4")
    load(settings, tmp_path / "ga4")
    load(settings, tmp_path / "ga4")
    total, distinct = query("select count(*), count(distinct event_key) from raw_ga4.events")[0]
    assert total == distinct == unique_events_exported(world) == len(world.events)


def test_a_load_raises_no_dlt_warning(tmp_path, world, settings, monkeypatch):
    # the Arrow tables' hints match the resource's (the export day, dlt's merge key, is not null):
    # dlt warned once per export day read when they differed. dlt's logger does not propagate to
    # pytest's, so its warning function is watched directly.
    warnings: list[str] = []
    monkeypatch.setattr(dlt_logger, "warning", lambda message, *args, **kwargs: warnings.append(message))
    write_ga4_export(world, tmp_path / "ga4")
    load(settings, tmp_path / "ga4")
    assert warnings == []


def test_duplicate_deliveries_in_a_file_collapse_to_one_row(tmp_path, world, settings, query):
    duplicated = sum(e.duplicated for e in world.events)
    assert duplicated > 0
    write_ga4_export(world, tmp_path / "ga4")
    lines = sum(len(p.read_text().splitlines()) for p in (tmp_path / "ga4").iterdir())
    load(settings, tmp_path / "ga4")
    assert query("select count(*) from raw_ga4.events")[0][0] == lines - duplicated


def test_late_events_re_exported_in_an_earlier_days_file_are_picked_up(tmp_path, world, settings, query):
    folder = tmp_path / "ga4"
    first_cut = SPEC.start_date + timedelta(days=5)
    write_ga4_export(world, folder, as_of=first_cut)
    load(settings, folder)
    assert query("select count(*) from raw_ga4.events")[0][0] == unique_events_exported(world, first_cut)

    second_cut = first_cut + timedelta(days=2)
    changed = write_ga4_export(world, folder, as_of=second_cut)
    assert any(p.name < f"events_{first_cut:%Y%m%d}" for p in changed), (
        "an earlier day's file was re-exported"
    )
    load(settings, folder)
    total, distinct = query("select count(*), count(distinct event_key) from raw_ga4.events")[0]
    assert total == distinct == unique_events_exported(world, second_cut)


def test_parquet_exports_load_the_same_events_as_json(tmp_path, world, settings, query):
    write_ga4_export(world, tmp_path / "parquet", fmt="parquet")
    load(settings, tmp_path / "parquet")
    rows = query("select count(*), sum(event_timestamp), count(user_id) from raw_ga4.events")[0]
    assert rows[0] == len(world.events)
    assert rows[1] == sum(e.ts_us for e in world.events)
    assert rows[2] == sum(1 for e in world.events if e.user_id)


def test_start_date_skips_earlier_export_days(tmp_path, world, settings, query):
    write_ga4_export(world, tmp_path / "ga4")
    start = SPEC.start_date + timedelta(days=4)
    load(settings, tmp_path / "ga4", start_date=start.isoformat())
    first_day = query("select min(event_date) from raw_ga4.events")[0][0]
    assert first_day == f"{start:%Y%m%d}"


def test_a_window_reads_the_files_of_its_days_whatever_the_cursor_and_leaves_the_cursor(
    tmp_path, world, settings, query
):
    folder, aside = tmp_path / "ga4", tmp_path / "aside"
    write_ga4_export(world, folder)
    first, last = SPEC.start_date + timedelta(days=2), SPEC.start_date + timedelta(days=4)
    window = [p for p in folder.iterdir() if f"{first:%Y%m%d}" <= export_day_text(p) <= f"{last:%Y%m%d}"]
    aside.mkdir()
    for path in window:
        path.rename(aside / path.name)
    load(settings, folder)  # the world without three days; the cursor moves to the newest day
    without = query("select count(*) from raw_ga4.events")[0][0]
    for path in window:
        (aside / path.name).rename(path)
    load(settings, folder)
    assert query("select count(*) from raw_ga4.events")[0][0] == without, "not modified since the cursor"
    cursor = file_cursor(settings)

    load(settings, folder, start_date=first.isoformat(), end_date=last.isoformat())
    assert query("select count(*) from raw_ga4.events")[0][0] == len(world.events)
    from_window = rows(
        settings.warehouse_path,
        "select count(*) from raw_ga4.events "
        "where regexp_extract(_export_file, '[^/]+$') in (select unnest(?))",
        [[p.name for p in window]],
    )[0][0]
    assert from_window == len(world.events) - without > 0
    load(settings, folder)  # the cursor was left alone: nothing new since, nothing read or doubled
    assert query("select count(*), count(distinct event_key) from raw_ga4.events")[0] == (
        len(world.events),
        len(world.events),
    )
    assert file_cursor(settings) == cursor is not None, "the window left the cursor alone"


def file_cursor(settings):
    """The GA4 source's modification-time cursor (the newest export file it has read)."""
    resources = make_pipeline("ga4", settings).state["sources"]["ga4"]["resources"]
    return resources["export_files"]["incremental"]["modification_date"]["last_value"]


def export_day_text(path: Path) -> str:
    return path.name.removeprefix("events_")[:8]


def test_a_malformed_file_fails_naming_it_and_loads_nothing(tmp_path, world, settings, query):
    folder = tmp_path / "ga4"
    write_ga4_export(world, folder)
    broken = sorted(folder.iterdir())[3]
    broken.write_text(broken.read_text()[:5000] + "\n{this is not json\n")
    with pytest.raises(Exception) as caught:
        load(settings, folder)
    assert broken.name in str(caught.value) and isinstance(caught.value.__cause__ or caught.value, Exception)
    assert any(isinstance(e, Ga4ExportError) for e in _chain(caught.value))
    # the loader creates the table with its native nested types before dlt loads (ingestion.native_nested)
    tables = (
        query("select count(*) from information_schema.tables where table_name = 'events'")[0][0]
        if settings.warehouse_path.exists()
        else 0
    )
    rows = query("select count(*) from raw_ga4.events")[0][0] if tables else 0
    assert rows == 0, "no partial load becomes visible"


def _chain(exc: BaseException):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__
