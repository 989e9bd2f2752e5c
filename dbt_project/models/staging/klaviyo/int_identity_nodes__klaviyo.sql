{#- Every profile's email hash is an identifier even when nothing links it to a browser or an
    order: a subscriber who only opens emails is a person of their own. -#}
with

profiles as (

    select * from {{ ref('stg_klaviyo__profiles') }}
    where email_hash is not null

),

nodes as (

    select
        'email_hash' as identifier_type,
        email_hash as identifier_value,
        min(created_at) as first_seen_at,
        max(coalesce(updated_at, created_at)) as last_seen_at

    from profiles
    group by email_hash

)

select * from nodes
