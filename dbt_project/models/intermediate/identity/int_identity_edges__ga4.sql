{{ config(
    materialized='incremental',
    unique_key=['edge_source', 'identifier_value_a', 'identifier_type_b', 'identifier_value_b'],
    on_schema_change='append_new_columns',
) }}
{#- GA4's identity evidence: a browser (anonymous_id) seen in one event together with a login
    (user_id: the shop's customer id, so it is the customer_id node Shopify also reaches) or with
    an ad click id. One row per pair and kind of evidence, with when it was first and last seen.
    Incremental (the exception to the folder's tables): a run reads only the events of the GA4
    revision window (the last loaded day and the microfunnel__ga4_lookback_days before it, as the
    GA4 source re-reads them) and widens first/last seen of known pairs. -#}
with

events as (

    select * from {{ ref('stg_ga4__events') }}
{%- if is_incremental() %}
    where event_date >= (
        select coalesce(cast(max(last_seen_at) as date), date '1970-01-01')
            - interval {{ var('microfunnel__ga4_lookback_days') }} day
        from {{ this }}
    )
{%- endif %}

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
{%- else %}
        edges.first_seen_at,
        edges.last_seen_at
    from edges
{%- endif %}

)

select * from widened
