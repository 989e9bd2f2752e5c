"""The three API sources load exactly what the sandbox world generated, through its HTTP server."""

from __future__ import annotations

from decimal import Decimal

import pytest

from microfunnel.pii import hash_email

pytestmark = pytest.mark.slow


def test_google_ads_loads_every_campaign_every_campaign_day_and_every_click(server, load, query, truth):
    load("google_ads")
    assert query("select count(*) from raw_google_ads.campaigns") == [(3,)]
    stats = query("select count(*), sum(metrics__cost_micros) from raw_google_ads.campaign_stats")[0]
    assert stats == (truth.campaign_days("google_ads"), int(truth.spend("google_ads") * 1_000_000))
    assert query("select count(*) from raw_google_ads.click_view") == [(truth.clicks("google_ads"),)]
    assert server.count("token") == 1  # one OAuth exchange, then the cached access token


def test_meta_ads_pages_through_every_campaign_day(server, load, query, truth, monkeypatch):
    monkeypatch.setenv("SOURCES__META_ADS__PAGE_SIZE", "4")
    load("meta_ads")
    rows, spend = query("select count(*), sum(spend) from raw_meta_ads.campaign_insights")[0]
    assert (rows, spend) == (truth.campaign_days("meta_ads"), truth.spend("meta_ads"))
    assert server.count("insights") == -(-rows // 4)  # one request per page, none repeated
    assert query("select count(*) from raw_meta_ads.campaigns") == [(2,)]


def test_shopify_pages_through_every_order_line_and_customer(server, load, query, truth, world, monkeypatch):
    monkeypatch.setenv("SOURCES__SHOPIFY__PAGE_SIZE", "7")
    load("shopify")
    orders, revenue = query(
        "select count(*), sum(total_price_set__shop_money__amount) from raw_shopify.orders"
    )[0]
    assert (orders, revenue) == (len(world.orders), truth.revenue())
    assert query("select count(*) from raw_shopify.order_lines") == [(truth.order_lines(),)]
    assert query("select count(*) from raw_shopify.customers") == [(len(world.customers),)]
    assert server.count("graphql") > len(world.orders) // 7  # paged, not one big answer


def test_shopify_emails_reach_the_warehouse_only_as_keyed_hashes(server, load, query, world):
    load("shopify")
    text_columns = query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'raw_shopify' and data_type in ('VARCHAR', 'JSON')"
    )
    for table, column in text_columns:
        assert query(
            f'select count(*) from raw_shopify."{table}" where "{column}"::varchar like \'%@%\''
        ) == [(0,)]
    order = world.orders[0]
    stored = query(f"select email_hash from raw_shopify.orders where legacy_resource_id = {order.order_id}")
    assert stored == [(hash_email(order.email, "test-pii-key"),)]


def test_rerunning_every_source_adds_no_duplicate_rows(server, load, query):
    tables = [
        "raw_google_ads.campaign_stats",
        "raw_google_ads.click_view",
        "raw_meta_ads.campaign_insights",
        "raw_shopify.orders",
        "raw_shopify.order_lines",
        "raw_shopify.customers",
    ]
    for source in ("google_ads", "meta_ads", "shopify"):
        load(source)
    first = [query(f"select count(*) from {table}") for table in tables]
    for source in ("google_ads", "meta_ads", "shopify"):
        load(source)
    assert [query(f"select count(*) from {table}") for table in tables] == first


def test_staging_spend_and_revenue_totals_equal_the_world(server, load, query, dbt_build, truth, world):
    for source in ("google_ads", "meta_ads", "shopify"):
        load(source)
    dbt_build()
    spend = dict(
        query("select platform, sum(spend) from intermediate.int_ad_campaign_days_unioned group by 1")
    )
    assert spend == {"google_ads": truth.spend("google_ads"), "meta_ads": truth.spend("meta_ads")}
    revenue, refunded, orders = query(
        "select sum(total_price), sum(total_refunded), count(*) from staging.stg_shopify__orders"
    )[0]
    assert (revenue, refunded, orders) == (truth.revenue(), truth.refunded(), len(world.orders))
    conversions = dict(
        query(
            "select platform, sum(platform_conversions) "
            "from intermediate.int_ad_campaign_days_unioned group by 1"
        )
    )
    assert conversions == {p: truth.conversions(p)[0] for p in ("google_ads", "meta_ads")}


def test_staged_orders_carry_the_ga_client_id_in_user_pseudo_id_form(server, load, query, dbt_build, world):
    for source in ("google_ads", "meta_ads", "shopify"):
        load(source)
    dbt_build()
    staged = dict(query("select order_id, ga_client_id from staging.stg_shopify__orders"))
    assert staged == {o.order_id: o.ga_client_id for o in world.orders}
    assert any(o.order_id % 2 for o in world.orders if o.ga_client_id)  # some arrived as GA1.1.<id>


def test_staged_money_is_decimal_in_the_account_currency(server, load, query, dbt_build):
    for source in ("google_ads", "meta_ads", "shopify"):
        load(source)
    dbt_build()
    types = dict(
        query(
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'int_ad_campaign_days_unioned'"
        )
    )
    assert types["spend"].startswith("DECIMAL") and types["platform_conversion_value"].startswith("DECIMAL")
    # Each account reports in its own currency and on its own clock (the sandbox's are honest about it).
    assert query(
        "select distinct platform, currency, account_time_zone "
        "from intermediate.int_ad_campaign_days_unioned order by platform"
    ) == [("google_ads", "USD", "America/New_York"), ("meta_ads", "GBP", "Europe/London")]
    assert query("select time_zone, currency from staging.stg_shopify__shop") == [("Europe/Berlin", "EUR")]
    assert query("select sum(total_price) from staging.stg_shopify__orders")[0][0] % Decimal("0.01") == 0
