-- A failure means an order reached the warehouse but no person: it would vanish from funnels and attribution.
{{ config(enabled=source_enabled('shopify'), meta={'dagster': {'ref': {'name': 'int_macro_conversions'}}}) }}
select orders.order_id
from {{ ref('stg_shopify__orders') }} as orders
left join {{ ref('int_macro_conversions') }} as macro
    on macro.order_id = cast(orders.order_id as {{ dbt.type_string() }})
where not orders.is_test and macro.person_id is null
