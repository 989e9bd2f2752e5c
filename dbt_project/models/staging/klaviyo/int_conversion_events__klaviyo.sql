{#- Email opens and clicks on their person (through the profile's email hash), with the params an
    `action` micro-conversion of the catalog may filter on: flow, campaign and message (names).
    Received emails and list subscriptions stay out of the timeline: the first would break every
    strict funnel, the second is GA4's sign_up seen again. -#}
with

events as (

    select * from {{ ref('stg_klaviyo__events') }}
    where event_name in ('email_opened', 'email_clicked')

),

profiles as (

    select * from {{ ref('stg_klaviyo__profiles') }}

),

campaigns as (

    select * from {{ ref('stg_klaviyo__campaigns') }}

),

flows as (

    select * from {{ ref('stg_klaviyo__flows') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_stitched') }}
    where identifier_type = 'email_hash'

),

resolved as (

    select
        identifiers.person_id,
        'klaviyo:' || events.event_id as event_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        events.event_name,
        {{ map_literal(
            ['message', 'flow', 'campaign'],
            ['events.message_name', 'flows.flow_name', 'campaigns.campaign_name']
        ) }} as event_params,
        events.event_at,
        events.event_ts_us

    from events
    inner join profiles on profiles.profile_id = events.profile_id
    inner join identifiers on identifiers.identifier_value = profiles.email_hash
    left join flows on flows.flow_id = events.flow_id
    left join campaigns on campaigns.campaign_id = events.message_id and events.flow_id is null

)

select * from resolved
