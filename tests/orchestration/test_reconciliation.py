"""Source-to-mart reconciliation SQL on hand-made raw and mart tables."""

import duckdb
import pytest

from orchestration.reconciliation import ORDERS_SQL, differences, spend_sql


@pytest.fixture
def warehouse():
    connection = duckdb.connect()
    connection.execute("create schema raw_shopify; create schema raw_google_ads; create schema raw_meta_ads")
    connection.execute("create schema marts")
    connection.execute("""
        create table raw_shopify.orders as select * from (values
            ('1', '100.00', null, null, false),                    -- kept: 100
            ('2', '50.00', '10.00', null, false),                  -- refunded 10: 40
            ('3', '80.00', null, timestamp '2026-10-02', false),   -- cancelled: 0
            ('4', '999.00', null, null, true)                      -- a test order: left out
        ) as t(legacy_resource_id, total_price_set__shop_money__amount,
               total_refunded_set__shop_money__amount, cancelled_at, test)
    """)
    connection.execute("""
        create table marts.fct_orders as select * from (values
            ('1', 100.00::decimal(18, 4)), ('2', 40.00), ('3', 0.00)) as t(order_id, revenue)
    """)
    connection.execute("""
        create table raw_google_ads.campaign_stats as select * from (values
            (date '2026-10-01', '1', '12500000'), (date '2026-10-01', '2', '2500000'))
            as t(segments__date, campaign__id, metrics__cost_micros)
    """)
    connection.execute("""
        create table raw_meta_ads.campaign_insights as select * from (values
            (date '2026-10-01', '9', '7.25')) as t(date_start, campaign_id, spend)
    """)
    connection.execute("""
        create table marts.fct_campaign_performance_daily as select * from (values
            (date '2026-10-01', 'google_ads', '1', 12.5::decimal(18, 6)),
            (date '2026-10-01', 'google_ads', '2', 2.5),
            (date '2026-10-01', 'meta_ads', '9', 7.25))
            as t(date_day, platform, campaign_id, spend_in_account_currency)
    """)
    return connection


def test_orders_reconcile_when_the_mart_keeps_every_real_order_by_the_documented_rules(warehouse):
    assert differences(warehouse, ORDERS_SQL) == []


def test_a_mart_order_whose_revenue_is_off_by_a_cent_does_not_reconcile(warehouse):
    warehouse.execute("update marts.fct_orders set revenue = 40.01 where order_id = '2'")
    (row,) = differences(warehouse, ORDERS_SQL)
    assert row["source_revenue"] == 140 and float(row["mart_revenue"]) == 140.01


def test_an_order_missing_from_the_mart_does_not_reconcile(warehouse):
    warehouse.execute("delete from marts.fct_orders where order_id = '3'")
    (row,) = differences(warehouse, ORDERS_SQL)
    assert (row["source_orders"], row["mart_orders"]) == (3, 2)


def test_spend_reconciles_per_platform_and_day(warehouse):
    assert differences(warehouse, spend_sql(["google_ads", "meta_ads"])) == []


def test_a_day_of_spend_missing_from_the_mart_is_named(warehouse):
    warehouse.execute("delete from marts.fct_campaign_performance_daily where platform = 'meta_ads'")
    rows = differences(warehouse, spend_sql(["google_ads", "meta_ads"]))
    assert [(r["platform"], str(r["date_day"]), float(r["source_spend"])) for r in rows] == [
        ("meta_ads", "2026-10-01", 7.25)
    ]
