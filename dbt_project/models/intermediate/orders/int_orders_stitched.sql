{{ config(enabled=source_enabled('shopify')) }}
{#- Orders (test orders left out) with their person. Revenue is what the shop keeps: the total
    less refunds, and 0 for a cancelled order. Read by fct_orders and by attribution. -#}
with

orders as (

    select * from {{ ref('stg_shopify__orders') }}
    where not is_test

),

macro_conversions as (

    select * from {{ ref('int_macro_conversions') }}

),

with_person as (

    select
        orders.order_id,
        orders.order_name,
        macro_conversions.person_id,
        orders.customer_id,
        macro_conversions.session_key as session_id,
        orders.ordered_at,
        {{ to_reporting_date('orders.ordered_at') }} as date_day,
        orders.currency,
        orders.total_price as gross_revenue,
        orders.total_refunded,
        case when orders.is_cancelled then 0 else orders.total_price - orders.total_refunded end as revenue,
        orders.is_cancelled,
        orders.utm_source,
        orders.utm_medium,
        orders.utm_campaign,
        orders.landing_page_url

    from orders
    inner join macro_conversions on macro_conversions.order_id = cast(orders.order_id as {{ dbt.type_string() }})

)

select * from with_person
