{#- Every micro-conversion occurrence (action, destination, engagement) with the person of its
    session, plus actions on other sources' events (Klaviyo's opens and clicks), which carry their
    person: what fct_micro_conversions publishes (beside the macro rows) and what the funnel
    engine matches catalog steps against. -#}
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
{%- if sources_feeding('conversion_events') %}

source_micro as (

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
{%- if sources_feeding('conversion_events') %}
    union all
    select * from source_micro
{%- endif %}

)

select * from unioned
