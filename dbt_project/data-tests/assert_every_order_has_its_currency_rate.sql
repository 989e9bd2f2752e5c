{#- Fails (with an error naming the first days and currency pairs) when an order's revenue cannot be
    converted to the reporting currency for campaign performance: the order is in another currency and
    that day has no rate (ECB within 4 days before it, or a fixed rate in seeds/currency_rate_overrides.csv). -#}
{{ config(
    enabled=source_enabled('shopify') and sources_feeding('ad_campaign_days') | length > 0,
    meta={'dagster': {'ref': {'name': 'fct_orders'}}},
) }}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

reporting as (

    select * from {{ ref('int_reporting_settings') }}

),

rates as (

    select * from {{ ref('int_currency_rates_daily') }}

),

missing as (

    select distinct orders.date_day, orders.currency || '->' || reporting.currency as currency_pair
    from orders
    cross join reporting
    left join rates as from_rate on from_rate.currency = orders.currency and from_rate.date_day = orders.date_day
    left join rates as to_rate on to_rate.currency = reporting.currency and to_rate.date_day = orders.date_day
    where orders.currency <> reporting.currency
        and (from_rate.units_per_euro is null or to_rate.units_per_euro is null)

),

named as (

    select
        count(*) as missing_days,
        {{ string_agg_ordered("currency_pair || ' on ' || date_day", "', '", 'date_day, currency_pair') }} as which
    from (select * from missing order by date_day, currency_pair limit 10)

)

-- fail_query() in the filter (see assert_every_ad_day_has_its_currency_rate): dbt counts the rows.
select missing_days, which
from named
where case
    when missing_days > 0 then {{ fail_query("
        'no exchange rate for order revenue ' || which || ': load the ecb_rates source or add a fixed '
        || 'rate to dbt_project/seeds/currency_rate_overrides.csv'
    ") }} is null
    else false
end
