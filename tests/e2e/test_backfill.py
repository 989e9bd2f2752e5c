"""Daily partitions: a backfill of three days missing from a load gives the marts of a full build.

Warehouse A is a full build of a small world. Warehouse B is loaded while three days' GA4 export
files are missing (as if those exports failed), then the files come back and the three days are
backfilled as one run (what a range backfill from the UI does, BackfillPolicy.single_run). The
run of the newest day (what the daily schedule does) does not read them; the backfill's window does.
"""

from __future__ import annotations

import os
from datetime import timedelta

import duckdb
import pytest

from commands.runner import materialize_graph, run_log_path, sandbox_apis, sandbox_clock
from microfunnel.settings import load_settings
from sandbox.simulate import WorldSpec
from sandbox.world_files import write_world_files
from tests.support.environment import environment
from tests.support.marts import mart_differences, retired_ids_lead_to_current_persons

pytestmark = pytest.mark.slow

SPEC = WorldSpec(seed=3, persons=300, days=14)
FIRST, LAST = SPEC.start_date + timedelta(days=4), SPEC.start_date + timedelta(days=6)


def run(root, days=None):
    """One `microfunnel run` of `days` (all by default) into root's warehouse: (result, its run log)."""
    with environment({"WAREHOUSE_PATH": str(root / "warehouse.duckdb")}):
        settings = load_settings()
        result = materialize_graph(settings=settings, days=days, verbose=False)
        log = run_log_path(settings).read_text()
    failures = [
        f"{e.step_key}: {e.event_specific_data.error.message.strip()[:500]}"
        for e in result.all_events
        if e.is_step_failure and e.event_specific_data.error
    ]
    failures += [
        f"{c.asset_check_key.to_user_string()}: {dict((k, v.value) for k, v in c.metadata.items())}"
        for c in result.get_asset_check_evaluations()
        if not c.passed and c.severity.value == "ERROR"
    ]
    assert result.success, f"run of {days or 'every day'} failed: {failures}"
    return result, log


def rows_of_days(warehouse, first, last) -> int:
    """GA4 events of the export days first..last in the warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (count,) = connection.execute(
            "select count(*) from raw_ga4.events where _export_day between ? and ?", [first, last]
        ).fetchone()
    return count


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    root = tmp_path_factory.mktemp("backfill")
    full, partial = root / "full", root / "partial"
    sandbox = root / "sandbox"
    env = {
        "SANDBOX_DIR": str(sandbox),
        "SOURCES__GA4__BUCKET_URL": str(sandbox / "ga4"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "MICROFUNNEL_SOURCES": "ga4,google_ads,meta_ads,shopify",
        "MICROFUNNEL_FRESHNESS_AS_OF": sandbox_clock(SPEC),
        "MICROFUNNEL_FIRST_EXPORT_DAY": SPEC.start_date.isoformat(),
    }
    with environment(env):
        world = write_world_files(SPEC, sandbox)
        missing = [
            path
            for path in (sandbox / "ga4").iterdir()
            if f"{FIRST:%Y%m%d}" <= path.name.removeprefix("events_")[:8] <= f"{LAST:%Y%m%d}"
        ]
        assert len(missing) == 3
        with sandbox_apis(world) as source_env:
            os.environ.update(source_env)
            run(full)
            aside = root / "aside"
            aside.mkdir()
            for path in missing:
                path.rename(aside / path.name)
            run(partial)
            without = mart_differences(full / "warehouse.duckdb", partial / "warehouse.duckdb")
            for path in missing:
                (aside / path.name).rename(path)
            last_day = SPEC.end_date.isoformat()
            run(partial, days=(last_day, last_day))  # the daily schedule's partition: not those days
            still_without = mart_differences(full / "warehouse.duckdb", partial / "warehouse.duckdb")
            backfill = run(partial, days=(FIRST.isoformat(), LAST.isoformat()))
            backfill_rows = rows_of_days(partial / "warehouse.duckdb", FIRST, LAST)
            backfilled = mart_differences(full / "warehouse.duckdb", partial / "warehouse.duckdb")
            run(partial, days=(FIRST.isoformat(), FIRST.isoformat()))
            rerun = mart_differences(full / "warehouse.duckdb", partial / "warehouse.duckdb")
        yield {
            "without": without,
            "still_without": still_without,
            "backfill": backfill,
            "backfill_rows": backfill_rows,
            "partial": partial / "warehouse.duckdb",
            "backfilled": backfilled,
            "rerun": rerun,
        }


def test_a_world_loaded_without_three_days_differs_until_they_are_backfilled(warehouses):
    assert warehouses["without"], "the three missing days change the marts"
    assert warehouses["still_without"], "a run of the newest day does not reach back to them"


def test_backfilling_the_three_days_gives_marts_equal_to_a_full_build(warehouses):
    assert warehouses["backfilled"] == []
    assert retired_ids_lead_to_current_persons(warehouses["partial"])


def test_the_backfill_is_one_run_over_the_range_that_reads_only_those_days_files(warehouses):
    result, log = warehouses["backfill"]
    tags = result.dagster_run.tags
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
        FIRST.isoformat(),
        LAST.isoformat(),
    )
    window_lines = [line for line in log.splitlines() if "reading the export days" in line]
    assert len(window_lines) == 1
    assert window_lines[0].endswith(f"ga4: reading the export days {FIRST}..{LAST}")
    # one materialization per day of the range, each with the load's row count
    loaded = [
        (m.partition, m.metadata["rows_loaded"].value)
        for m in result.asset_materializations_for_node("dlt_ga4")
        if m.asset_key.path == ["raw_ga4", "events"]
    ]
    assert sorted(day for day, _ in loaded) == [(FIRST + timedelta(days=n)).isoformat() for n in range(3)]
    assert {rows for _, rows in loaded} == {warehouses["backfill_rows"]}, "the rows of its days, no others"
    assert warehouses["backfill_rows"] > 0


def test_re_running_a_day_is_idempotent(warehouses):
    assert warehouses["rerun"] == []
