{{ config(enabled=source_enabled('shopify') and sources_feeding('ad_campaign_days') | length > 0) }}
{#- Day × platform × campaign: what the platform reports (spend, impressions, clicks on the ad account's
    day, spend in the account's and the reporting currency) beside what the site saw (sessions, persons,
    micro-conversions on the session's day) and the orders and revenue each attribution model credits it
    on the order's day (reporting zone and currency), with CPA, ROAS and new-customer CAC. When the
    account's zone is not the reporting zone, the two halves of a row are different 24 hours
    (is_account_day_reporting_day false; a WARN check says so). -#}
{%- set models = ['first_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based'] -%}
with

ad_days as (

    select * from {{ ref('int_ad_campaign_days_converted') }}

),

site_days as (

    select * from {{ ref('int_campaign_site_days') }}
    where conversion_name = '(all)'

),

site_conversions as (

    select date_day, platform, campaign_id, sum(micro_conversions) as micro_conversions
    from {{ ref('int_campaign_site_days') }}
    where conversion_name <> '(all)'
    group by 1, 2, 3

),

credited_orders as (

    select * from {{ ref('fct_campaign_orders_daily') }}

),

reporting as (

    select * from {{ ref('int_reporting_settings') }}

),

campaigns as (

    select
        platform,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        max_by(account_id, date_day) as account_id,
        max_by(account_time_zone, date_day) as account_time_zone,
        max_by(campaign_name, date_day) as campaign_name,
        max_by(account_currency, date_day) as account_currency

    from ad_days
    group by 1, 2

),

keys as (

    select date_day, platform, cast(campaign_id as {{ dbt.type_string() }}) as campaign_id from ad_days
    union
    select date_day, platform, campaign_id from site_days
    union
    select date_day, platform, campaign_id from credited_orders

),

joined as (

    select
        keys.date_day,
        keys.platform,
        campaigns.account_id,
        keys.campaign_id,
        campaigns.campaign_name,
        campaigns.account_time_zone,
        reporting.time_zone as reporting_time_zone,
        coalesce(campaigns.account_time_zone = reporting.time_zone, false) as is_account_day_reporting_day,
        campaigns.account_currency,
        coalesce(ad_days.spend_in_account_currency, 0) as spend_in_account_currency,
        reporting.currency as reporting_currency,
        ad_days.exchange_rate,
        case when ad_days.campaign_id is null then 0 else ad_days.spend end as spend,
        coalesce(ad_days.impressions, 0) as impressions,
        coalesce(ad_days.clicks, 0) as clicks,
        ad_days.platform_conversions,
        coalesce(site_days.sessions, 0) as sessions,
        coalesce(site_days.persons, 0) as persons,
        coalesce(site_conversions.micro_conversions, 0) as micro_conversions,
        {%- for model in models %}
        coalesce(credited_orders.orders_{{ model }}, 0) as orders_{{ model }},
        coalesce(credited_orders.revenue_{{ model }}, 0) as revenue_{{ model }},
        {%- endfor %}
        coalesce(credited_orders.new_customers, 0) as new_customers

    from keys
    cross join reporting
    left join campaigns on campaigns.platform = keys.platform and campaigns.campaign_id = keys.campaign_id
    left join ad_days
        on ad_days.date_day = keys.date_day and ad_days.platform = keys.platform
        and cast(ad_days.campaign_id as {{ dbt.type_string() }}) = keys.campaign_id
    left join site_days
        on site_days.date_day = keys.date_day and site_days.platform = keys.platform
        and site_days.campaign_id = keys.campaign_id
    left join site_conversions
        on site_conversions.date_day = keys.date_day and site_conversions.platform = keys.platform
        and site_conversions.campaign_id = keys.campaign_id
    left join credited_orders
        on credited_orders.date_day = keys.date_day and credited_orders.platform = keys.platform
        and credited_orders.campaign_id = keys.campaign_id

),

final as (

    select
        *,
        orders_last_non_direct as orders,
        revenue_last_non_direct as revenue,
        case when orders_last_non_direct > 0 then spend / orders_last_non_direct end as cpa,
        {#- roas in double: Spark divides decimals as decimals (DuckDB as doubles) -#}
        {%- for model in models %}
        case when spend > 0 then cast(revenue_{{ model }} as double) / spend end as roas_{{ model }},
        {%- endfor %}
        case when spend > 0 then cast(revenue_last_non_direct as double) / spend end as roas,
        case when new_customers > 0 then spend / new_customers end as new_customer_cac

    from joined

)

select * from final
