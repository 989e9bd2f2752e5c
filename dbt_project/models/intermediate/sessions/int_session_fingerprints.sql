{#- One row per session: a fingerprint of everything int_sessions_aggregated and
    int_engagement_conversions_reached compute a session from. Its events (how many, which, in what
    GA4 order, and the newest extraction stamp among them: a re-exported day re-stamps all its rows,
    so a value corrected under an unchanged event key counts too), the reporting time zone (the
    session's date_day) and the catalog's engagement micro-conversions. Each of the two models
    recomputes exactly the sessions whose fingerprint differs from the one it last applied
    (keys_changed_since_applied): a new day's sessions and those a re-export touched, all of them when
    the zone or the thresholds change. -#}
with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

reporting_settings as (

    select * from {{ ref('int_reporting_settings') }}

),

engagement_catalog as (

    select * from {{ ref('stg_config__micro_conversions') }}
    where kind = 'engagement'

),

definitions as (

    select md5(
        coalesce(max(reporting_settings.time_zone), '') || '|'
        || coalesce((
            select {{ string_agg_ordered('definition', "'|'", 'definition') }}
            from (select {{ row_to_json('engagement_catalog') }} as definition from engagement_catalog)
        ), '')
    ) as definitions_fingerprint
    from reporting_settings

),

fingerprints as (

    select
        events.session_key,
        md5(
            count(*) || ':'
            || bit_xor({{ fingerprint_hash([
                'events.event_key', 'events.event_ts_us', 'events.batch_ordering_id', 'events.batch_event_index',
            ]) }}) || ':'
            || coalesce(cast(max(events._extracted_at) as {{ dbt.type_string() }}), '') || ':'
            || any_value(definitions.definitions_fingerprint)
        ) as fingerprint

    from events
    cross join definitions
    group by events.session_key

)

select * from fingerprints
