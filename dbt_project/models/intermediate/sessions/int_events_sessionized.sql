{#- Every GA4 event with a session: its ga_session_id session, or for the rare event without one
    the inactivity session of int_events_fallback_sessions. -#}
{#- A view (exception to the folder's tables): writing a copy of every staged event cost more than
    its six readers' scans, which each read only their columns and rows of stg_ga4__events
    (DECISIONLOG, "Sessionized events are a view"). -#}
{{ config(materialized='view') }}

with

events as (

    select * from {{ ref('stg_ga4__events') }}

),

fallback_sessions as (

    select * from {{ ref('int_events_fallback_sessions') }}

),

sessionized as (

    select
        {{ star_except(['session_key'], 'events') }},
        coalesce(events.session_key, fallback_sessions.fallback_session_key) as session_key
    from events
    left join fallback_sessions on fallback_sessions.event_key = events.event_key

)

select * from sessionized
