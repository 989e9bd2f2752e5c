{{ config(materialized=incremental_materialization(), unique_key='person_id', on_schema_change='append_new_columns') }}
{#- Incremental, the exception to the folder's tables: it remembers ids no longer in use (below). -#}
{#- Every person_id ever issued and the person_id it is today, so a BI extract holding an old id
    can follow it: join on person_id, read current_person_id. A person_id retires when a new edge
    merges its person into an older one; its anchor identifier (the one it was minted from) then
    belongs to the survivor, which is how this table finds it, also across chains of merges.
    Incremental only to remember ids no longer in use; every row is rewritten on every run. -#}
with

person_ids as (

    select * from {{ ref('int_identity_person_ids') }}

),

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

current_identifiers as (

    select person_ids.*

    from person_ids
    inner join nodes
        on nodes.identifier_type = person_ids.identifier_type
        and nodes.identifier_value = person_ids.identifier_value

),

previously_issued as (

    {{ previous_or_empty({
        'person_id': 'varchar',
        'anchor_identifier_type': 'varchar',
        'anchor_identifier_value': 'varchar',
        'issued_at': 'timestamp',
        'retired_at': 'timestamp',
    }) }}

),

newly_issued as (

    select
        current_identifiers.person_id,
        current_identifiers.identifier_type as anchor_identifier_type,
        current_identifiers.identifier_value as anchor_identifier_value,
        {{ identity_run_started_at() }} as issued_at,
        cast(null as timestamp) as retired_at

    from current_identifiers
    left join previously_issued on previously_issued.person_id = current_identifiers.person_id
    where current_identifiers.is_person_anchor and previously_issued.person_id is null

),

issued as (

    select * from previously_issued
    union all
    select * from newly_issued

),

followed as (

    select
        issued.person_id,
        anchor_now.person_id as current_person_id,
        issued.anchor_identifier_type,
        issued.anchor_identifier_value,
        issued.issued_at,
        case
            when anchor_now.person_id = issued.person_id then null
            else coalesce(issued.retired_at, {{ identity_run_started_at() }})
        end as retired_at,
        coalesce(anchor_now.person_id = issued.person_id, false) as is_current

    from issued
    left join current_identifiers as anchor_now
        on anchor_now.identifier_type = issued.anchor_identifier_type
        and anchor_now.identifier_value = issued.anchor_identifier_value

)

select * from followed
