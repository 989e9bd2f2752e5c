{#- The edges the guardrails let through: neither end was cut as shared. -#}
with

edges as (

    select * from {{ ref('int_identity_edges_numbered') }}

),

cut as (

    select distinct node_id from {{ ref('int_identifiers_cut') }}

),

kept as (

    select edges.*

    from edges
    left join cut as cut_a on cut_a.node_id = edges.node_id_a
    left join cut as cut_b on cut_b.node_id = edges.node_id_b
    where cut_a.node_id is null and cut_b.node_id is null

)

select * from kept
