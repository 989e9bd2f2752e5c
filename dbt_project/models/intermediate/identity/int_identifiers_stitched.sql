{#- The contract with the session, order and event models: one row per identifier and its person.
    customer_id is the canonical type of the shop's customer id; the same node also answers as
    user_id when GA4 saw it as a login. -#}
with

person_ids as (

    select * from {{ ref('int_identity_person_ids') }}

),

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

canonical as (

    select identifier_type, identifier_value, person_id
    from person_ids

),

user_id_aliases as (

    select 'user_id' as identifier_type, person_ids.identifier_value, person_ids.person_id
    from person_ids
    inner join nodes on nodes.node_id = person_ids.node_id
    where nodes.is_ga4_user_id

),

stitched as (

    select * from canonical
    union all
    select * from user_id_aliases

)

select * from stitched
