"""The same dbt project on Spark (local mode) and on DuckDB, from one sandbox world: every published
mart must be identical (rows and values; money to the cent, timestamps to the microsecond).

Both runs are the user's `microfunnel run`, with MICROFUNNEL_ENGINE=duckdb and =spark: on Spark, dlt
writes the raw tables to the Parquet lake, dbt builds there, and the marts reach the serving file BI
tools read. The two serving files are compared table by table.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from commands.runner import sandbox_apis, sandbox_clock
from ingestion.registry import selectable_sources
from microfunnel.serving import serving_differences
from sandbox.simulate import WorldSpec
from sandbox.world_files import write_world_files
from tests.support.environment import project_env

pytestmark = pytest.mark.slow

SPEC = WorldSpec(seed=3, persons=300, days=14, start_date=date(2026, 10, 18))  # crosses the DST change
ENGINES = ("duckdb", "spark")
RUN_TIMEOUT_SECONDS = 1500


@pytest.fixture(scope="module")
def serving_files(tmp_path_factory) -> dict[str, Path]:
    """{engine: its serving file} after `microfunnel run` on each engine, from the same world."""
    root = tmp_path_factory.mktemp("engines")
    world = write_world_files(SPEC, root / "sandbox")
    microfunnel = str(Path(sys.executable).with_name("microfunnel"))
    served = {}
    with sandbox_apis(world) as source_env:
        for engine in ENGINES:
            env = {
                **os.environ,
                **project_env(root / engine),
                **source_env,
                "SANDBOX_DIR": str(root / "sandbox"),
                "SOURCES__GA4__BUCKET_URL": str(root / "sandbox" / "ga4"),
                "MICROFUNNEL_SOURCES": ",".join(selectable_sources()),
                "MICROFUNNEL_FRESHNESS_AS_OF": sandbox_clock(SPEC),
                "MICROFUNNEL_ENGINE": engine,
            }
            done = subprocess.run(
                [microfunnel, "run"], env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS
            )
            log = root / engine / "logs" / "microfunnel-run.log"
            assert done.returncode == 0, (
                f"microfunnel run on {engine} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}\n"
                f"(full log: {log})"
            )
            served[engine] = root / engine / "serving.duckdb"
    return served


def test_every_mart_is_identical_on_both_engines(serving_files):
    """Same tables, same columns in the same order, same rows (instants to the microsecond, decimals
    exactly, doubles to 9 places)."""
    with duckdb.connect(str(serving_files["duckdb"]), read_only=True) as connection:
        marts = connection.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
    assert marts[0][0] > 10
    differences = serving_differences(serving_files["duckdb"], serving_files["spark"])
    assert not differences, "\n".join(differences)


def test_the_comparison_sees_a_changed_value(serving_files, tmp_path):
    """The check above can fail: one cent more on one order of a copy is a difference."""
    changed = tmp_path / "changed.duckdb"
    changed.write_bytes(serving_files["spark"].read_bytes())
    with duckdb.connect(str(changed)) as connection:
        [(column,)] = connection.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'fct_orders' and data_type like 'DECIMAL%' order by column_index limit 1"
        ).fetchall()
        connection.execute(
            f'update marts.fct_orders set "{column}" = "{column}" + 0.01 '
            "where order_id = (select min(order_id) from marts.fct_orders)"
        )
    assert any(
        line.startswith("fct_orders:") for line in serving_differences(serving_files["spark"], changed)
    )


def test_spark_read_its_raw_tables_from_the_lake(serving_files):
    lake = serving_files["spark"].parent / "lake"
    assert list((lake / "raw_ga4" / "events").glob("*.parquet"))
    assert list((lake / "raw_shopify" / "orders").glob("*.parquet"))
