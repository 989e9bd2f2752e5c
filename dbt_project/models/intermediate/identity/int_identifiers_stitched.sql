{#- The contract with the session, order and event models: one row per identifier and its person.
    customer_id is the canonical type of the shop's customer id; the same node also answers as
    user_id when GA4 saw it as a login. -#}
with

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

person_ids as (

    select * from {{ ref('int_identity_person_ids') }}

),

current_identifiers as (

    select
        nodes.identifier_type,
        nodes.identifier_value,
        nodes.is_ga4_user_id,
        person_ids.person_id

    from nodes
    inner join person_ids
        on person_ids.identifier_type = nodes.identifier_type
        and person_ids.identifier_value = nodes.identifier_value

),

user_id_aliases as (

    select 'user_id' as identifier_type, identifier_value, is_ga4_user_id, person_id
    from current_identifiers
    where is_ga4_user_id

),

stitched as (

    select identifier_type, identifier_value, person_id from current_identifiers
    union all
    select identifier_type, identifier_value, person_id from user_id_aliases

)

select * from stitched
