{#- Paths as people walked them, ready for a Sankey diagram: one row per outcome × step number ×
    (from node -> to node) with the persons who took that transition, counted from each person's
    path (int_person_paths: nodes, collapsed repeats, the cap and the outcome are defined there). -#}
with

person_paths as (

    select * from {{ ref('int_person_paths') }}

),

transitions as (

    select
        outcome,
        step_number,
        from_node,
        to_node,
        count(*) as persons

    from person_paths
    group by all

)

select * from transitions
