{#- Every GA4 event with a session: its ga_session_id session, or for the rare event without one
    (measurement protocol, consent gaps) a session cut at 30 minutes of inactivity per device. -#}
with

events as (

    select * from {{ ref('stg_ga4__events') }}

),

without_session_id as (

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
    where ga_session_id is null

),

fallback_sessions as (

    select
        event_key,
        anonymous_id || '-inactivity-' || (
            sum(starts_session) over (partition by anonymous_id order by event_ts_us nulls last, event_key)
        ) as fallback_session_key

    from without_session_id

),

sessionized as (

    select
        {{ star_except(['session_key'], 'events') }},
        coalesce(events.session_key, fallback_sessions.fallback_session_key) as session_key

    from events
    left join fallback_sessions on fallback_sessions.event_key = events.event_key

)

select * from sessionized
