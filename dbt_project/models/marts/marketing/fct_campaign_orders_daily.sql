{{ config(enabled=source_enabled('shopify') and sources_feeding('ad_campaign_days') | length > 0) }}
{#- Order day × platform × campaign: orders and revenue credited to the campaign under each attribution
    model (fct_attribution summed per campaign and day), revenue in the reporting currency (the order's currency converted at its day's rate), and the
    first orders (new customers) credited under last non-direct. The order's day is its local day in the
    reporting zone. -#}
with

attribution as (

    select * from {{ ref('fct_attribution') }}
    where platform is not null and campaign_id is not null and credit > 0

),

orders as (

    select * from {{ ref('fct_orders') }}

),

reporting as (

    select * from {{ ref('int_reporting_settings') }}

),

rates as (

    select * from {{ ref('int_currency_rates_daily') }}

),

credited as (

    select
        orders.date_day,
        attribution.platform,
        attribution.campaign_id,
        attribution.model,
        attribution.credit,
        attribution.credit * case when orders.is_first_order then 1 else 0 end as new_customer_credit,
        case
            when orders.currency = reporting.currency then attribution.attributed_revenue
            else {{ convert_money(
                'attribution.attributed_revenue', 'from_rate.units_per_euro', 'to_rate.units_per_euro'
            ) }}
        end as revenue

    from attribution
    inner join orders on orders.order_id = attribution.order_id
    cross join reporting
    left join rates as from_rate on from_rate.currency = orders.currency and from_rate.date_day = orders.date_day
    left join rates as to_rate on to_rate.currency = reporting.currency and to_rate.date_day = orders.date_day

),

pivoted as (

    select
        date_day,
        platform,
        campaign_id,
        {%- for model in ['first_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based'] %}
        coalesce(sum(credit) filter (where model = '{{ model }}'), 0) as orders_{{ model }},
        coalesce(sum(revenue) filter (where model = '{{ model }}'), 0) as revenue_{{ model }},
        {%- endfor %}
        coalesce(sum(new_customer_credit) filter (where model = 'last_non_direct'), 0) as new_customers

    from credited
    group by 1, 2, 3

)

select * from pivoted
