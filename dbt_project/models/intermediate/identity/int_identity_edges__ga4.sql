{{ config(
    materialized=incremental_materialization(),
    unique_key=['edge_source', 'identifier_value_a', 'identifier_type_b', 'identifier_value_b'],
    on_schema_change='append_new_columns',
) }}
{#- GA4's identity evidence: a browser (anonymous_id) seen in one event together with a login
    (user_id: the shop's customer id, so it is the customer_id node Shopify also reaches) or with
    an ad click id. One row per pair and kind of evidence, with when it was first and last seen.
    Incremental (the exception to the folder's tables): a run reads every GA4 event, because a day
    may be re-exported with late rows at any age (the source loads any changed file), and writes
    only the pairs that are new or seen earlier/later than before (first/last seen widened). -#}
with

events as (

    select * from {{ ref('stg_ga4__events') }}

),

linked_identifiers as (

    select
        anonymous_id, 'ga4_user_id' as edge_source, 'customer_id' as linked_type, trim(user_id) as linked_value,
        event_at
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
        max(event_at) as last_seen_at

    from linked_identifiers
    group by all

),

widened as (

    select
        edges.edge_source,
        edges.identifier_type_a,
        edges.identifier_value_a,
        edges.identifier_type_b,
        edges.identifier_value_b,
{%- if is_incremental() %}
        least(edges.first_seen_at, known.first_seen_at) as first_seen_at,
        greatest(edges.last_seen_at, known.last_seen_at) as last_seen_at
    from edges
    left join {{ this }} as known
        on known.edge_source = edges.edge_source
        and known.identifier_value_a = edges.identifier_value_a
        and known.identifier_type_b = edges.identifier_type_b
        and known.identifier_value_b = edges.identifier_value_b
    where known.edge_source is null
        or edges.first_seen_at < known.first_seen_at
        or edges.last_seen_at > known.last_seen_at
{%- else %}
        edges.first_seen_at,
        edges.last_seen_at
    from edges
{%- endif %}

)

select * from widened
