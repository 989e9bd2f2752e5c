{#- GA4's identity evidence: a browser (anonymous_id) seen in one event together with a login
    (user_id: the shop's customer id, so it is the customer_id node Shopify also reaches) or with
    an ad click id. One row per pair and kind of evidence, with when it was first and last seen. -#}
with

events as (

    select * from {{ ref('stg_ga4__events') }}

),

linked_identifiers as (

    select anonymous_id, 'ga4_user_id' as edge_source, 'customer_id' as linked_type, trim(user_id) as linked_value, event_at
    from events
    where nullif(trim(user_id), '') is not null

    union all

    select anonymous_id, 'ga4_gclid', 'gclid', gclid, event_at
    from events
    where gclid is not null

    union all

    select anonymous_id, 'ga4_fbclid', 'fbclid', fbclid, event_at
    from events
    where fbclid is not null

),

edges as (

    select
        edge_source,
        'anonymous_id' as identifier_type_a,
        anonymous_id as identifier_value_a,
        linked_type as identifier_type_b,
        linked_value as identifier_value_b,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        count(*) as evidence_count

    from linked_identifiers
    group by all

)

select * from edges
