{{ config(materialized=incremental_materialization(), unique_key='node_id', on_schema_change='append_new_columns') }}
{#- Incremental, the exception to the folder's tables: node numbers must survive from run to run (below). -#}
{#- Every identifier the sources expose, in canonical form (GA4 user_id and Shopify customer id are
    one customer_id node; an order is its legacy id however it was reached), numbered for the graph.
    Browsers and orders that link to nothing still count: each is a person of its own.
    Incremental so a node keeps its number from run to run (new identifiers get the next numbers),
    which lets int_identity_components recompute only the components a run touches. Only new or
    changed rows are written; every GA4 event is read (a day may be re-exported with late rows
    at any age). -#}
with

edges as (

    select * from {{ ref('int_identity_edges_unioned') }}

),

events as (

    select * from {{ ref('stg_ga4__events') }}

),


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
{%- for source_name in sources_feeding('identity_nodes') %}

    union all

    select identifier_type, identifier_value, first_seen_at, last_seen_at, false
    from {{ ref('int_identity_nodes__' ~ source_name) }}
{%- endfor %}

),

identifiers as (

    select
        identifier_type,
        identifier_value,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        bool_or(is_ga4_user_id) as is_ga4_user_id

    from sightings
    group by identifier_type, identifier_value

),

previous as (

    {{ previous_or_empty({
        'node_id': 'bigint',
        'identifier_type': 'varchar',
        'identifier_value': 'varchar',
        'first_seen_at': 'timestamp',
        'last_seen_at': 'timestamp',
        'is_ga4_user_id': 'boolean',
    }) }}

),

numbered as (

    select
        coalesce(
            previous.node_id,
            (select coalesce(max(node_id), 0) from previous)
                -- nulls last written out here and below: Spark sorts nulls first by default
                + row_number() over (
                    partition by previous.node_id is null
                    order by identifiers.identifier_type nulls last, identifiers.identifier_value nulls last
                )
        ) as node_id,
        identifiers.identifier_type,
        identifiers.identifier_value,
        least(identifiers.first_seen_at, previous.first_seen_at) as first_seen_at,
        greatest(identifiers.last_seen_at, previous.last_seen_at) as last_seen_at,
        identifiers.is_ga4_user_id or coalesce(previous.is_ga4_user_id, false) as is_ga4_user_id,
        previous.node_id is null
            or identifiers.first_seen_at < previous.first_seen_at
            or identifiers.last_seen_at > previous.last_seen_at
            or identifiers.is_ga4_user_id and not previous.is_ga4_user_id as is_new_or_changed

    from identifiers
    left join previous  -- noqa: AL04
        on previous.identifier_type = identifiers.identifier_type
        and previous.identifier_value = identifiers.identifier_value

),

nodes as (

    select node_id, identifier_type, identifier_value, first_seen_at, last_seen_at, is_ga4_user_id
    from numbered
    where is_new_or_changed

)

select * from nodes
