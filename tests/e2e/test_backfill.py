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

from commands.runner import materialize_graph, sandbox_apis, sandbox_clock
from microfunnel.settings import load_settings
from sandbox.simulate import WorldSpec
from sandbox.world_files import write_world_files
from tests.support.environment import environment

pytestmark = pytest.mark.slow

SPEC = WorldSpec(seed=3, persons=300, days=14)
FIRST, LAST = SPEC.start_date + timedelta(days=4), SPEC.start_date + timedelta(days=6)


def run(root, days=None):
    with environment({"WAREHOUSE_PATH": str(root / "warehouse.duckdb")}):
        result = materialize_graph(settings=load_settings(), days=days)
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
    return result


def differing_marts(a, b) -> dict[str, int]:
    """{mart: rows in one warehouse and not in the other}, compared as multisets."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{a}' as a (read_only); attach '{b}' as b (read_only)")
        tables = [
            t
            for (t,) in connection.execute(
                "select table_name from information_schema.tables where table_catalog = 'a' "
                "and table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        assert tables
        differences = {}
        for table in tables:
            (count,) = connection.execute(
                f"select count(*) from ((select * from a.marts.{table} except all "
                f"select * from b.marts.{table}) union all (select * from b.marts.{table} "
                f"except all select * from a.marts.{table}))"
            ).fetchone()
            if count:
                differences[table] = count
        return differences


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
            without = differing_marts(full / "warehouse.duckdb", partial / "warehouse.duckdb")
            for path in missing:
                (aside / path.name).rename(path)
            last_day = SPEC.end_date.isoformat()
            run(partial, days=(last_day, last_day))  # the daily schedule's partition: not those days
            still_without = differing_marts(full / "warehouse.duckdb", partial / "warehouse.duckdb")
            backfill = run(partial, days=(FIRST.isoformat(), LAST.isoformat()))
            backfilled = differing_marts(full / "warehouse.duckdb", partial / "warehouse.duckdb")
            run(partial, days=(FIRST.isoformat(), FIRST.isoformat()))
            rerun = differing_marts(full / "warehouse.duckdb", partial / "warehouse.duckdb")
        yield {
            "without": without,
            "still_without": still_without,
            "backfill": backfill,
            "backfilled": backfilled,
            "rerun": rerun,
        }


def test_a_world_loaded_without_three_days_differs_until_they_are_backfilled(warehouses):
    assert warehouses["without"], "the three missing days change the marts"
    assert warehouses["still_without"], "a run of the newest day does not reach back to them"


@pytest.mark.xfail(
    strict=False,
    reason="open (issue 12): after the identity and person-id merges the backfilled warehouse's "
    "person-grained marts differ from a full build (person_id_history is path-dependent), and the "
    "GA4 window's per-file log lines are not captured in-process; not yet resolved",
)
def test_backfilling_the_three_days_gives_marts_equal_to_a_full_build(warehouses):
    assert warehouses["backfilled"] == {}


@pytest.mark.xfail(
    strict=False,
    reason="open (issue 12): after the identity and person-id merges the backfilled warehouse's "
    "person-grained marts differ from a full build (person_id_history is path-dependent), and the "
    "GA4 window's per-file log lines are not captured in-process; not yet resolved",
)
def test_the_backfill_is_one_run_over_the_range_that_reads_only_those_days_files(warehouses):
    result = warehouses["backfill"]
    tags = result.dagster_run.tags
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
        FIRST.isoformat(),
        LAST.isoformat(),
    )
    logs = [e.message for e in result.all_events if e.message and "reading the export days" in e.message]
    assert logs == [f"ga4: reading the export days {FIRST}..{LAST}"]


@pytest.mark.xfail(
    strict=False,
    reason="open (issue 12): after the identity and person-id merges the backfilled warehouse's "
    "person-grained marts differ from a full build (person_id_history is path-dependent), and the "
    "GA4 window's per-file log lines are not captured in-process; not yet resolved",
)
def test_re_running_a_day_is_idempotent(warehouses):
    assert warehouses["rerun"] == {}
