{{ config(enabled=source_enabled('shopify') and sources_feeding('ad_campaign_days') | length > 0) }}
{#- Day × platform × campaign: the platform's spend and clicks beside what the site saw: sessions,
    micro-conversions in them, and orders and revenue credited by the last-non-direct model on
    the order's day. CPA and ROAS are null where there were no orders or no spend. -#}
with

ad_days as (

    select * from {{ ref('int_ad_campaign_days_unioned') }}

),

sessions as (

    select * from {{ ref('int_sessions_campaigns_resolved') }}
    where platform is not null

),

micro_conversions as (

    select * from {{ ref('fct_micro_conversions') }}
    where kind <> 'macro'

),

attribution as (

    select * from {{ ref('fct_attribution') }}
    where model = 'last_non_direct' and platform is not null and credit > 0

),

orders as (

    select * from {{ ref('fct_orders') }}

),

site_sessions as (

    select
        sessions.date_day, sessions.platform, sessions.campaign_id,
        count(distinct sessions.session_key) as sessions,
        count(micro_conversions.micro_conversion_id) as micro_conversions

    from sessions
    left join micro_conversions on micro_conversions.session_id = sessions.session_key
    group by 1, 2, 3

),

credited_orders as (

    select
        orders.date_day, attribution.platform, attribution.campaign_id,
        sum(attribution.credit) as orders,
        sum(attribution.attributed_revenue) as revenue

    from attribution
    inner join orders on orders.order_id = attribution.order_id
    group by 1, 2, 3

),

joined as (

    select
        ad_days.date_day,
        ad_days.platform,
        ad_days.account_id,
        ad_days.campaign_id,
        ad_days.campaign_name,
        ad_days.currency,
        ad_days.spend,
        ad_days.impressions,
        ad_days.clicks,
        ad_days.platform_conversions,
        ad_days.platform_conversion_value,
        coalesce(site_sessions.sessions, 0) as sessions,
        coalesce(site_sessions.micro_conversions, 0) as micro_conversions,
        coalesce(credited_orders.orders, 0) as orders,
        coalesce(credited_orders.revenue, 0) as revenue

    from ad_days
    left join site_sessions
        on site_sessions.date_day = ad_days.date_day and site_sessions.platform = ad_days.platform
        and site_sessions.campaign_id = cast(ad_days.campaign_id as varchar)
    left join credited_orders
        on credited_orders.date_day = ad_days.date_day and credited_orders.platform = ad_days.platform
        and credited_orders.campaign_id = cast(ad_days.campaign_id as varchar)

),

final as (

    select
        *,
        case when orders > 0 then spend / orders end as cpa,
        case when spend > 0 then revenue / spend end as roas

    from joined

)

select * from final
