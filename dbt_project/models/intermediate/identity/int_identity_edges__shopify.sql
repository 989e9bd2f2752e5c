{{ config(enabled=source_enabled('shopify')) }}
{#- Shopify's identity evidence: an order links its customer, the email typed at checkout and the
    GA client id it carried (already in user_pseudo_id form); a customer links its own email; a GA4
    purchase links its browser to the order whose name it reports as transaction_id. Test orders
    are staff, not customers, and link nothing. -#}
with

orders as (

    select * from {{ ref('stg_shopify__orders') }}
    where not is_test

),

customers as (

    select * from {{ ref('stg_shopify__customers') }}

),

purchase_events as (

    select * from {{ ref('stg_ga4__events') }}
    where event_name = 'purchase' and transaction_id is not null

),

order_links as (

    select 'shopify_order_customer' as edge_source, order_id, 'customer_id' as linked_type,
           cast(customer_id as {{ dbt.type_string() }}) as linked_value, ordered_at as seen_at
    from orders
    where customer_id is not null

    union all

    select 'shopify_order_email', order_id, 'email_hash', email_hash, ordered_at
    from orders
    where email_hash is not null

    union all

    select 'shopify_order_ga_client_id', order_id, 'anonymous_id', ga_client_id, ordered_at
    from orders
    where nullif(ga_client_id, '') is not null

    union all

    select 'ga4_purchase', orders.order_id, 'anonymous_id', purchase_events.anonymous_id, purchase_events.event_at
    from purchase_events
    inner join orders on orders.order_name = purchase_events.transaction_id

),

order_edges as (

    select
        edge_source,
        'order_id' as identifier_type_a,
        cast(order_id as {{ dbt.type_string() }}) as identifier_value_a,
        linked_type as identifier_type_b,
        linked_value as identifier_value_b,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at

    from order_links
    group by all

),

customer_edges as (

    select
        'shopify_customer_email' as edge_source,
        'customer_id' as identifier_type_a,
        cast(customer_id as {{ dbt.type_string() }}) as identifier_value_a,
        'email_hash' as identifier_type_b,
        email_hash as identifier_value_b,
        min(created_at) as first_seen_at,
        max(coalesce(updated_at, created_at)) as last_seen_at

    from customers
    where customer_id is not null and email_hash is not null
    group by all

),

edges as (

    select * from order_edges
    union all
    select * from customer_edges

)

select * from edges
