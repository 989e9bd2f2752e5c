{#- A session belongs to one person: the person of its user_id when someone logged in during it,
    else the person of its device cookie. Logging in anywhere in a session claims the whole session,
    so the anonymous start of a session on a shared computer goes to whoever logged in. -#}
with

sessions as (

    select * from {{ ref('int_sessions_channels_grouped') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_stitched') }}

),

stitched as (

    select
        sessions.*,
        coalesce(by_user.person_id, by_device.person_id) as person_id

    from sessions
    left join identifiers as by_user
        on by_user.identifier_type = '{{ var('microfunnel__user_id_identifier_type') }}'
        and by_user.identifier_value = sessions.user_id
    left join identifiers as by_device
        on by_device.identifier_type = 'anonymous_id'
        and by_device.identifier_value = sessions.anonymous_id

)

select * from stitched
