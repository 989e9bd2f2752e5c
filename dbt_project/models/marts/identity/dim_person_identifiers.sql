{#- Every identifier and its person, for BI: PII arrives hashed (email_hash), so nothing here
    names anyone. is_shared marks identifiers the guardrails cut (used by several people). -#}
with

stitched as (

    select * from {{ ref('int_identifiers_stitched') }}

),

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

cut as (

    select distinct identifier_type, identifier_value from {{ ref('int_identifiers_cut') }}

),

described as (

    select
        stitched.identifier_type,
        stitched.identifier_value,
        stitched.person_id,
        nodes.first_seen_at,
        nodes.last_seen_at,
        cut.identifier_value is not null as is_shared

    from stitched
    inner join nodes
        on nodes.identifier_type = case when stitched.identifier_type = 'user_id' then 'customer_id'
                                        else stitched.identifier_type end
        and nodes.identifier_value = stitched.identifier_value
    left join cut
        on cut.identifier_type = nodes.identifier_type and cut.identifier_value = nodes.identifier_value

)

select * from described
