{{ config(materialized='view') }}
{#- GA4's contribution to the person timeline: every event, on the person of its session. A view
    (exception to the folder's tables): int_person_events reads it once, so storing it would copy
    every event for nothing. GA4 purchases are the macro only when no orders source is enabled. -#}
with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

macro_conversions as (

    select * from {{ ref('int_macro_conversions') }}

),

ga4_events as (

    select
        sessions.person_id,
        events.event_key as event_id,
        events.event_at,
        events.event_ts_us,
        events.event_name,
        events.session_key as session_id,
        events.event_key in (select event_id from macro_conversions) as is_macro,
        events.batch_ordering_id,
        events.batch_event_index

    from events
    inner join sessions on sessions.session_key = events.session_key

)

select * from ga4_events
