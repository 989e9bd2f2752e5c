-- A failure means an attribution model credits an order with more or less than its revenue (to the
-- cent): channel and campaign revenue would not add up to the shop's revenue.
{{ config(enabled=source_enabled('shopify'), meta={'dagster': {'ref': {'name': 'fct_attribution'}}}) }}
with

attribution as (

    select * from {{ ref('fct_attribution') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

per_model as (

    select order_id, model, sum(credit) as credit, sum(attributed_revenue) as attributed_revenue
    from attribution
    group by 1, 2

)

select per_model.*, orders.revenue
from per_model
inner join orders on orders.order_id = per_model.order_id
where abs(per_model.credit - 1) > 1e-9
   or per_model.attributed_revenue <> orders.revenue
