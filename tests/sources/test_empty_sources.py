"""Empty sources build: an ad account or shop with no data still gives typed raw tables and every mart."""

import duckdb
import pytest

from ingestion.registry import spec
from sandbox.simulate import WorldSpec, simulate
from tests.support.source_builds import load_and_build

pytestmark = pytest.mark.slow

GA4_SPEC = WorldSpec(seed=21, persons=40, days=4)
EMPTY_ACCOUNT = WorldSpec(
    seed=21,
    persons=0,
    days=4,
    households=0,
    throwaway_buyers=0,
    pasted_gclid_visitors=0,
    bots=0,
    tracking_blocked_buyers=0,
    test_orders=0,
)
QUIET_PERIOD = {"start_date": "2020-01-01", "end_date": "2020-01-03"}  # no ad activity at all
API_SOURCES = ("google_ads", "meta_ads", "shopify")
DUCKDB_TYPES = {
    "text": "VARCHAR",
    "json": "JSON",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "decimal": "DECIMAL(38,9)",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
}


def test_api_sources_with_no_data_declare_their_tables_and_every_mart_builds(tmp_path):
    settings = load_and_build(
        tmp_path,
        ("ga4", *API_SOURCES),
        ga4_world=simulate(GA4_SPEC),
        api_world=simulate(EMPTY_ACCOUNT),
        source_kwargs={"google_ads": QUIET_PERIOD, "meta_ads": QUIET_PERIOD},
    )
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        for source in API_SOURCES:
            for table, columns in spec(source).tables.items():
                found = dict(
                    connection.execute(
                        "select column_name, data_type from information_schema.columns "
                        "where table_schema = ? and table_name = ?",
                        [f"raw_{source}", table],
                    ).fetchall()
                )
                assert found, f"raw_{source}.{table} was not created"
                for column, hint in columns.items():
                    assert found.get(column) == DUCKDB_TYPES[hint["data_type"]], (source, table, column)
        stats = connection.execute("select count(*) from raw_google_ads.campaign_stats").fetchone()[0]
        insights = connection.execute("select count(*) from raw_meta_ads.campaign_insights").fetchone()[0]
        orders = connection.execute("select count(*) from raw_shopify.orders").fetchone()[0]
        assert stats == insights == orders == 0, "the accounts really had no data"

    with duckdb.connect(str(settings.serving_path), read_only=True) as serving:
        marts = {
            row[0] for row in serving.execute("select table_name from information_schema.tables").fetchall()
        }
        rows = {name: serving.execute(f"select count(*) from marts.{name}").fetchone()[0] for name in marts}
    assert {"fct_orders", "fct_attribution", "fct_campaign_performance_daily", "fct_sessions"} <= marts
    assert rows["fct_orders"] == rows["fct_attribution"] == rows["fct_campaign_performance_daily"] == 0
    assert rows["fct_sessions"] > 0 and rows["dim_persons"] > 0 and rows["fct_micro_conversions"] > 0
