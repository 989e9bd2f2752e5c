{#- The landing values are those of the session's first event in GA4's own order (batch_order).
    Incremental by session: a run recomputes the sessions whose events or definitions changed since
    it last ran (int_session_fingerprints; every session on a first run, with --full-refresh, and on
    Spark, which rebuilds it whole) and drops the sessions that no longer exist. -#}
{{ config(**incremental_by_fingerprints('int_session_fingerprints', 'session_key')) }}
-- depends_on: {{ ref('int_session_fingerprints') }}
{% set batch_order = ['event_ts_us', 'batch_ordering_id', 'batch_event_index'] -%}
with

events as (

    {{ rows_to_recompute(ref('int_events_sessionized'), 'session_key') }}

),

aggregated as (

    select
        session_key,
        any_value(anonymous_id) as anonymous_id,
        {{ arg_min('user_id', batch_order) }} filter (where user_id is not null)
            as user_id,
        count(distinct user_id) as distinct_user_ids,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        {{ arg_min('page_path', batch_order) }} filter (where event_name = 'page_view')
            as landing_page_path,
        {{ arg_min('source', batch_order) }} filter (where source is not null)
            as landing_source,
        {{ arg_min('medium', batch_order) }} filter (where source is not null)
            as landing_medium,
        {{ arg_min('campaign', batch_order) }} filter (where campaign is not null)
            as campaign,
        {{ arg_min('campaign_id', batch_order) }} filter (where campaign_id is not null)
            as campaign_id,
        {{ arg_min('gclid', batch_order) }} filter (where gclid is not null) as gclid,
        {{ arg_min('fbclid', batch_order) }} filter (where fbclid is not null)
            as fbclid,
        {{ arg_min('device_category', 'event_ts_us') }} as device_category,
        {{ arg_min('country', 'event_ts_us') }} as country,
        count(*) filter (where event_name = 'page_view') as page_views,
        -- a double on both engines (Spark would divide a bigint sum as a decimal)
        cast(sum(engagement_time_msec) as double) / 1000.0 as engaged_seconds,
        count(*) as events

    from events
    group by session_key

),

with_source_medium as (

    select
        {{ star_except(['landing_source', 'landing_medium']) }},
        case
            when gclid is not null and landing_source is null then 'google'
            else coalesce(landing_source, '(direct)')
        end as source,
        case
            when gclid is not null and landing_medium is null then 'cpc'
            else coalesce(landing_medium, '(none)')
        end as medium

    from aggregated

),

final as (

    select
        *,
        {{ to_reporting_date('started_at') }} as date_day,
        engaged_seconds > 10 or page_views >= 2 as is_engaged

    from with_source_medium

)

select * from final
