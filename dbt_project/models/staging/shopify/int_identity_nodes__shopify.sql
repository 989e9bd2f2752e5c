{#- Shopify's identifiers that count even when they link to nothing: every order (but test orders)
    is a node, so an order without customer, email or client id is still a person of its own. -#}
with

orders as (

    select * from {{ ref('stg_shopify__orders') }}
    where not is_test

),

nodes as (

    select
        'order_id' as identifier_type,
        cast(order_id as {{ dbt.type_string() }}) as identifier_value,
        ordered_at as first_seen_at,
        ordered_at as last_seen_at

    from orders

)

select * from nodes
