{{ config(materialized=incremental_materialization(), unique_key='node_id', on_schema_change='append_new_columns') }}
{#- Incremental, the exception to the folder's tables: it reads its previous labels to recompute only the components a run touches (below). -#}
{#- Connected components of the kept edges: every identifier with the smallest node id of its
    component. Exact and deterministic; the algorithm lives in the macro
    identity_connected_components (DECISIONLOG.md: why SQL, with the measurements).
    A daily run recomputes only the components it touches: those a new kept edge reaches into or
    joins (its ends were in different components, or new), and those that lost a member to a new
    guardrail cut (they may split). Every other component is closed, so its labels stand; the
    result equals a full recompute (bench/identity.py checks it at 5M edges). -#}
-- depends_on: {{ ref('int_identifiers_cut') }}
with

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

edges as (

    select * from {{ ref('int_identity_edges_kept') }}

),

{% if is_incremental() %}

previous as (

    select node_id, component_id from {{ this }}

),

cut as (

    select distinct node_id from {{ ref('int_identifiers_cut') }}

),

edges_placed as (

    select
        edges.node_id_a,
        edges.node_id_b,
        previous_a.component_id as component_a,
        previous_b.component_id as component_b

    from edges
    left join previous as previous_a on previous_a.node_id = edges.node_id_a
    left join previous as previous_b on previous_b.node_id = edges.node_id_b

),

previous_sizes as (

    select component_id, count(*) as members
    from previous
    group by component_id

),

touched as (

    select component_a as component_id from edges_placed
    where component_a is distinct from component_b

    union

    select component_b from edges_placed
    where component_a is distinct from component_b

    union

    select previous.component_id
    from cut
    inner join previous on previous.node_id = cut.node_id
    inner join previous_sizes on previous_sizes.component_id = previous.component_id
    where previous_sizes.members > 1

),

affected_edges as (

    select node_id_a, node_id_b
    from edges_placed
    where component_a is null or component_b is null
        or component_a in (select component_id from touched)
        or component_b in (select component_id from touched)

),

-- sqlfluff cannot parse the recursive CTE with USING KEY that the macro renders
-- noqa: disable=PRS
components as (

    {{ identity_connected_components('affected_edges', 'node_id_a', 'node_id_b') }}

),
-- noqa: enable=PRS

recomputed_nodes as (

    select nodes.node_id
    from nodes
    left join previous on previous.node_id = nodes.node_id
    where previous.node_id is null
        or previous.component_id in (select component_id from touched)

),

labelled as (

    select
        recomputed_nodes.node_id,
        coalesce(components.component_id, recomputed_nodes.node_id) as component_id

    from recomputed_nodes
    left join components on components.node_id = recomputed_nodes.node_id

)

{% else %}

-- sqlfluff cannot parse the recursive CTE with USING KEY that the macro renders
-- (edges_relation: where Spark's macro, whose rounds are statements of their own, reads the edges)
-- noqa: disable=PRS
components as (

    {{ identity_connected_components(
        'edges', 'node_id_a', 'node_id_b', edges_relation=ref('int_identity_edges_kept')
    ) }}

),
-- noqa: enable=PRS

labelled as (

    select
        nodes.node_id,
        coalesce(components.component_id, nodes.node_id) as component_id

    from nodes
    left join components on components.node_id = nodes.node_id

)

{% endif %}

select * from labelled
