{#- Klaviyo's identity evidence, between identifiers the graph already knows: a profile's email hash
    and a browser. The sign-up form stored the browser's GA client id on the profile; a click-through
    landed with the profile's id in the link (custom UTM parameter kl_profile_id, value "Profile ID"),
    so the browser of that visit is the profile's. Profiles without an email link nothing. -#}
{%- set link_parameter = var('microfunnel__klaviyo_profile_link_parameter') -%}
with

profiles as (

    select * from {{ ref('stg_klaviyo__profiles') }}
    where email_hash is not null

),

landings as (

    select
        anonymous_id,
        {{ url_param('page_location', link_parameter) }} as profile_id,
        event_at

    from {{ ref('stg_ga4__events') }}
    where page_location like '%{{ link_parameter }}=%'

),

links as (

    select 'klaviyo_signup_ga_client_id' as edge_source, ga_client_id as anonymous_id, email_hash,
           coalesce(created_at, updated_at) as seen_at
    from profiles
    where ga_client_id is not null

    union all

    select 'klaviyo_click', landings.anonymous_id, profiles.email_hash, landings.event_at
    from landings
    inner join profiles on profiles.profile_id = landings.profile_id

),

edges as (

    select
        edge_source,
        'anonymous_id' as identifier_type_a,
        anonymous_id as identifier_value_a,
        'email_hash' as identifier_type_b,
        email_hash as identifier_value_b,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at

    from links
    group by all

)

select * from edges
