{{ config(
    materialized=incremental_materialization(),
    unique_key=['identifier_type', 'identifier_value'],
    on_schema_change='append_new_columns',
) }}
{#- Incremental, the exception to the folder's tables: it reads the previous run's anchors (below). -#}
{#- Stable person ids. A person_id is minted once from its anchor, the first-seen identifier of
    its component (identity_person_id), and lives as long as its anchor does:
    - a component holding the anchor of one earlier person keeps that person's id;
    - a component holding the anchors of several earlier persons (a new edge merged them) keeps
      the oldest one's id (its anchor first seen earliest); the others retire (person_id_history);
    - a component holding no earlier anchor (new, or split off) mints from its own anchor.
    So ids never change while a person's identifiers do not, a full refresh re-mints the same ids
    for unmerged persons, and the state kept between runs is only which identifiers are anchors.
    Incremental to read the previous run's anchors; only rows whose person changed are written,
    with the person they left (previous_person_id) and the run that moved them (assigned_at), so
    downstream models can recompute exactly the persons a run changed. -#}
with

components as (

    select * from {{ ref('int_identity_components') }}

),

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

placed as (

    select
        components.node_id,
        components.component_id,
        nodes.identifier_type,
        nodes.identifier_value,
        nodes.first_seen_at

    from components
    inner join nodes on nodes.node_id = components.node_id

),

previous as (

    {{ previous_or_empty({
        'identifier_type': 'varchar',
        'identifier_value': 'varchar',
        'person_id': 'varchar',
        'is_person_anchor': 'boolean',
    }) }}

),

previous_anchors as (

    select identifier_type, identifier_value, person_id
    from previous
    where is_person_anchor

),

claims as (

    select
        placed.component_id,
        placed.node_id as anchor_node_id,
        previous_anchors.person_id,
        -- nulls last written out here and below: Spark sorts nulls first by default
        row_number() over (
            partition by placed.component_id
            order by placed.first_seen_at nulls last, previous_anchors.person_id nulls last
        ) as age_rank

    from previous_anchors
    inner join placed
        on placed.identifier_type = previous_anchors.identifier_type
        and placed.identifier_value = previous_anchors.identifier_value

),

survivors as (

    select component_id, anchor_node_id, person_id
    from claims
    where age_rank = 1

),

first_seen as (

    select
        component_id,
        node_id as anchor_node_id,
        {{ identity_person_id('identifier_type', 'identifier_value') }} as person_id,
        row_number() over (
            partition by component_id order by first_seen_at nulls last, identifier_type, identifier_value nulls last
        ) as seen_rank

    from placed

),

minted as (

    select component_id, anchor_node_id, person_id
    from first_seen
    where seen_rank = 1

),

assigned as (

    select
        placed.identifier_type,
        placed.identifier_value,
        placed.node_id,
        coalesce(survivors.person_id, minted.person_id) as person_id,
        placed.node_id = coalesce(survivors.anchor_node_id, minted.anchor_node_id) as is_person_anchor

    from placed
    left join survivors on survivors.component_id = placed.component_id
    inner join minted on minted.component_id = placed.component_id

),

changed as (

    select
        assigned.*,
        previous.person_id as previous_person_id,
        {{ identity_run_started_at() }} as assigned_at

    from assigned
    left join previous
        on previous.identifier_type = assigned.identifier_type
        and previous.identifier_value = assigned.identifier_value
    where previous.person_id is null
        or previous.person_id <> assigned.person_id
        or previous.is_person_anchor <> assigned.is_person_anchor

)

select * from changed
