with

actions as (

    select * from {{ ref('int_action_conversions_matched') }}

),

destinations as (

    select * from {{ ref('int_destination_conversions_matched') }}

),

engagements as (

    select * from {{ ref('int_engagement_conversions_reached') }}

),

macro_conversions as (

    select * from {{ ref('int_macro_conversions') }}

),

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),
{%- if sources_feeding('conversion_events') %}

source_actions as (

    select * from {{ ref('int_source_action_conversions_matched') }}

),
{%- endif %}

micro as (

    select * from actions
    union all
    select * from destinations
    union all
    select * from engagements

),

micro_with_person as (

    select
        md5(micro.conversion_name || '|' || micro.event_id) as micro_conversion_id,
        sessions.person_id,
        micro.session_key as session_id,
        micro.conversion_name,
        micro.kind,
        micro.event_at as occurred_at,
        micro.event_ts_us as occurred_ts_us,
        micro.event_id,
        null as order_id

    from micro
    inner join sessions on sessions.session_key = micro.session_key

),

macro as (

    select
        md5('purchase|' || event_id) as micro_conversion_id,
        person_id,
        session_key as session_id,
        'purchase' as conversion_name,
        'macro' as kind,
        event_at as occurred_at,
        event_ts_us as occurred_ts_us,
        event_id,
        order_id

    from macro_conversions
    where person_id is not null

),

{%- if sources_feeding('conversion_events') %}

source_micro as (

    -- actions on other sources' events (Klaviyo's opens and clicks): the event carries its person
    select
        md5(conversion_name || '|' || event_id) as micro_conversion_id,
        person_id,
        session_id,
        conversion_name,
        kind,
        event_at as occurred_at,
        event_ts_us as occurred_ts_us,
        event_id,
        null as order_id

    from source_actions

),
{%- endif %}

unioned as (

    select * from micro_with_person
    union all
    select * from macro
{%- if sources_feeding('conversion_events') %}
    union all
    select * from source_micro
{%- endif %}

)

select * from unioned
