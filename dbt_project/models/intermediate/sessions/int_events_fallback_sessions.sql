{#- The session of every GA4 event without a ga_session_id (measurement protocol, consent gaps):
    a session cut at 30 minutes of inactivity per device. Usually a handful of rows; written once,
    so int_events_sessionized (a view, read by six models) never repeats the window. -#}
with

events as (

    select * from {{ ref('stg_ga4__events') }}
    where ga_session_id is null

),

session_starts as (

    select
        event_key,
        anonymous_id,
        event_ts_us,
        case
            when event_ts_us - lag(event_ts_us) over (
                partition by anonymous_id order by event_ts_us nulls last, event_key
            ) <= {{ var('microfunnel__session_timeout_minutes') }} * 60 * 1000000 then 0
            else 1
        end as starts_session
    from events

),

fallback_sessions as (

    select
        event_key,
        anonymous_id || '-inactivity-' || (
            sum(starts_session) over (partition by anonymous_id order by event_ts_us nulls last, event_key)
        ) as fallback_session_key
    from session_starts

)

select * from fallback_sessions
