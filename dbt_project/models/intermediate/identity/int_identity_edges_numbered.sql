{#- The edges as the graph sees them: one row per pair of node ids (smaller id first), whatever
    source or direction reported it, with the sources that saw it. -#}
with

edges as (

    select * from {{ ref('int_identity_edges_unioned') }}

),

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

numbered as (

    select
        least(node_a.node_id, node_b.node_id) as node_id_a,
        greatest(node_a.node_id, node_b.node_id) as node_id_b,
        edges.edge_source,
        edges.first_seen_at,
        edges.last_seen_at

    from edges
    inner join nodes as node_a
        on node_a.identifier_type = edges.identifier_type_a and node_a.identifier_value = edges.identifier_value_a
    inner join nodes as node_b
        on node_b.identifier_type = edges.identifier_type_b and node_b.identifier_value = edges.identifier_value_b
    where node_a.node_id <> node_b.node_id

),

deduplicated as (

    select
        node_id_a,
        node_id_b,
        {{ string_agg_distinct('edge_source', "','") }} as edge_sources,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at

    from numbered
    group by node_id_a, node_id_b

)

select * from deduplicated
