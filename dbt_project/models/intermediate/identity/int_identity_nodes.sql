{#- Every identifier the sources expose, in canonical form (GA4 user_id and Shopify customer id are
    one customer_id node; an order is its legacy id however it was reached), numbered for the graph.
    Browsers and orders that link to nothing still count: each is a person of its own. -#}
with

edges as (

    select * from {{ ref('int_identity_edges_unioned') }}

),

events as (

    select * from {{ ref('stg_ga4__events') }}

),

{% if var('microfunnel__shopify_enabled', true) %}
orders as (

    select * from {{ ref('stg_shopify__orders') }}
    where not is_test

),
{% endif %}

sightings as (

    select identifier_type_a as identifier_type, identifier_value_a as identifier_value,
           first_seen_at, last_seen_at, false as is_ga4_user_id
    from edges

    union all

    select identifier_type_b, identifier_value_b, first_seen_at, last_seen_at, edge_source = 'ga4_user_id'
    from edges

    union all

    select 'anonymous_id', anonymous_id, min(event_at), max(event_at), false
    from events
    group by anonymous_id
{%- if var('microfunnel__shopify_enabled', true) %}

    union all

    select 'order_id', cast(order_id as varchar), ordered_at, ordered_at, false
    from orders
{%- endif %}

),

nodes as (

    select
        row_number() over (order by identifier_type, identifier_value) as node_id,
        identifier_type,
        identifier_value,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        bool_or(is_ga4_user_id) as is_ga4_user_id

    from sightings
    group by identifier_type, identifier_value

)

select * from nodes
