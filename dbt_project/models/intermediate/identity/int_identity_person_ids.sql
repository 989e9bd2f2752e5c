{#- (first version, stateless) every identifier with the person_id minted from its component's
    anchor: the identifier first seen. -#}
with

components as (

    select * from {{ ref('int_identity_components') }}

),

anchored as (

    select
        *,
        first_value({{ identity_person_id('identifier_type', 'identifier_value') }}) over (
            partition by component_id order by first_seen_at, identifier_type, identifier_value
        ) as person_id

    from components

)

select * from anchored
