{#- Connected components of the kept edges: every identifier with the smallest node id of its
    component. Exact and deterministic for a given graph; the algorithm lives in the macro
    identity_connected_components (DECISIONLOG.md: why SQL, with the measurements). -#}
with

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

components as (

    {{ identity_connected_components(ref('int_identity_edges_kept'), 'node_id_a', 'node_id_b') }}

),

labelled as (

    select
        nodes.node_id,
        nodes.identifier_type,
        nodes.identifier_value,
        nodes.first_seen_at,
        nodes.last_seen_at,
        coalesce(components.component_id, nodes.node_id) as component_id

    from nodes
    left join components on components.node_id = nodes.node_id

)

select * from labelled
