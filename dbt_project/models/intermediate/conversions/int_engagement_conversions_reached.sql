{#- Engagement micro-conversions: once per session, at the event where the session's running
    engaged time (sum of engagement_time_msec) or page-view count first reaches the threshold.
    Incremental by session, as int_sessions_aggregated: the sessions whose events or thresholds
    changed since it last ran (int_session_fingerprints) are recomputed, vanished ones dropped. -#}
{{ config(**incremental_by_fingerprints('int_session_fingerprints', 'session_key')) }}
-- depends_on: {{ ref('int_session_fingerprints') }}
with

events as (

    {{ rows_to_recompute(ref('int_events_sessionized'), 'session_key') }}

),

catalog as (

    select * from {{ ref('stg_config__micro_conversions') }}
    where kind = 'engagement'

),

running_totals as (

    -- Only the events that move a running total: the config's thresholds are above 0, so the event
    -- that first reaches one is a page view or an event with engaged time, and leaving out the
    -- others (a third of GA4's events) changes no running total at the events kept.
    select
        event_key,
        session_key,
        event_at,
        event_ts_us,
        sum(engagement_time_msec) over session_so_far as engaged_msec_so_far,
        sum(case when event_name = 'page_view' then 1 else 0 end) over session_so_far as page_views_so_far,
        row_number() over session_so_far as event_order

    from events
    where engagement_time_msec <> 0 or event_name = 'page_view'
    window session_so_far as (
        partition by session_key
        order by event_ts_us nulls last, batch_ordering_id nulls last, batch_event_index nulls last, event_key
        rows between unbounded preceding and current row
    )

),

reached as (

    select
        catalog.conversion_name,
        catalog.kind,
        running_totals.event_key as event_id,
        running_totals.session_key,
        running_totals.event_at,
        running_totals.event_ts_us

    from running_totals
    inner join catalog
        on running_totals.engaged_msec_so_far >= catalog.min_engaged_seconds * 1000
        or running_totals.page_views_so_far >= catalog.min_page_views  -- noqa: ST09
    qualify row_number() over (
        partition by catalog.conversion_name, running_totals.session_key order by running_totals.event_order
    ) = 1

)

select * from reached
