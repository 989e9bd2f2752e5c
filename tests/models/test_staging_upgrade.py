"""A warehouse built by an older release converges: its incremental GA4 staging table, built when
event_params was a MAP, is rebuilt whole once on the next run instead of failing every run on
on_schema_change='fail' (dbt_project/macros/should_full_refresh.sql)."""

import duckdb
import pytest

from ingestion.pipelines import run_source
from sandbox.ga4_export import write_ga4_export
from sandbox.simulate import WorldSpec, simulate
from tests.support.dbt import run_dbt

pytestmark = pytest.mark.slow  # dlt loads and dbt runs

STAGED = (
    "select event_key, event_params::varchar, session_key, page_path, source from staging.stg_ga4__events"
)


def params_type(warehouse) -> str:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute(
            "select data_type from duckdb_columns() where schema_name = 'staging' "
            "and table_name = 'stg_ga4__events' and column_name = 'event_params'"
        ).fetchone()[0]


def test_a_staging_table_built_with_the_params_map_is_rebuilt_whole_once(tmp_path, settings, query):
    folder = tmp_path / "ga4"
    write_ga4_export(simulate(WorldSpec(seed=5, persons=40, days=6)), folder)
    run_source("ga4", settings, bucket_url=str(folder))
    warehouse = settings.warehouse_path
    run_dbt("run", "--select", "stg_ga4__events", warehouse=warehouse)
    assert params_type(warehouse) == 'STRUCT("key" VARCHAR, "value" VARCHAR)[]'
    built = sorted(query(STAGED))
    assert len(built) > 100

    with duckdb.connect(str(warehouse)) as con:  # the table as the release with the map built it
        con.execute(
            "create or replace table staging.stg_ga4__events as select * replace "
            "(map_from_entries(event_params) as event_params) from staging.stg_ga4__events"
        )
    assert params_type(warehouse).startswith("MAP(")

    upgrade = run_dbt("run", "--select", "stg_ga4__events", warehouse=warehouse)
    assert "was built as MAP(VARCHAR, VARCHAR); rebuilding the table whole once" in upgrade.stdout
    assert params_type(warehouse) == 'STRUCT("key" VARCHAR, "value" VARCHAR)[]'
    assert sorted(query(STAGED)) == built

    again = run_dbt("run", "--select", "stg_ga4__events", warehouse=warehouse)
    assert "rebuilding the table whole" not in again.stdout, "the next run is incremental again"
    assert sorted(query(STAGED)) == built
