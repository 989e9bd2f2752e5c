"""Source-to-mart reconciliation: the marts must add up to what the sources delivered.

Each query recomputes a total straight from the raw tables, by the rules the marts document,
and sets it beside the mart's own total; a row comes back for every difference. The checks
that run them are blocking: a mart that does not reconcile is never published.

- Orders (raw_shopify.orders vs marts.fct_orders): every order but test orders, one row each;
  revenue is the total less refunds, 0 for a cancelled order (README "Orders, attribution and
  campaigns"), in the shop's currency.
- Spend (raw ad tables vs marts.fct_campaign_performance_daily): per platform and day, Google
  Ads cost_micros / 10^6 and Meta Ads spend, in the account currency.
"""

from __future__ import annotations

import duckdb

TOLERANCE = 0.005  # money is compared to the half cent

ORDERS_SQL = f"""
with source as (
    select count(*) as orders,
           coalesce(sum(case when cancelled_at is not null then 0
               else cast(total_price_set__shop_money__amount as decimal(18, 4))
                    - coalesce(cast(total_refunded_set__shop_money__amount as decimal(18, 4)), 0)
           end), 0) as revenue
    from raw_shopify.orders
    where not coalesce(test, false)
),
mart as (
    select count(*) as orders, coalesce(sum(revenue), 0) as revenue from marts.fct_orders
)
select 'all orders' as scope, source.orders as source_orders, mart.orders as mart_orders,
       source.revenue as source_revenue, mart.revenue as mart_revenue
from source cross join mart
where source.orders <> mart.orders or abs(source.revenue - mart.revenue) > {TOLERANCE}
"""

# platform -> (raw table, its spend per day)
SOURCE_SPEND = {
    "google_ads": (
        "campaign_stats",
        """select 'google_ads' as platform, segments__date as date_day,
        sum(coalesce(cast(metrics__cost_micros as decimal(20, 0)), 0) * 0.000001) as spend
        from raw_google_ads.campaign_stats group by all""",
    ),
    "meta_ads": (
        "campaign_insights",
        """select 'meta_ads' as platform, date_start as date_day,
        sum(cast(spend as decimal(18, 6))) as spend
        from raw_meta_ads.campaign_insights group by all""",
    ),
}


def spend_sql(platforms: list[str]) -> str:
    source = " union all ".join(SOURCE_SPEND[platform][1] for platform in platforms)
    return f"""
with source as ({source}),
mart as (
    select platform, date_day, sum(spend_in_account_currency) as spend
    from marts.fct_campaign_performance_daily
    where platform in ({", ".join(f"'{platform}'" for platform in platforms)})
    group by all
)
select coalesce(source.platform, mart.platform) as platform,
       coalesce(source.date_day, mart.date_day) as date_day,
       coalesce(source.spend, 0) as source_spend, coalesce(mart.spend, 0) as mart_spend
from source full outer join mart on source.platform = mart.platform and source.date_day = mart.date_day
where abs(coalesce(source.spend, 0) - coalesce(mart.spend, 0)) > {TOLERANCE}
order by 1, 2
"""


def differences(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    """Rows where source and mart disagree (empty when they reconcile)."""
    cursor = connection.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
