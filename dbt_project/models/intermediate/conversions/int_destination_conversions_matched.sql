{#- Destination micro-conversions: a page view whose path matches the entry's glob pattern
    (`*` matches any run of characters, e.g. '/pricing*'). -#}
with

events as (

    select * from {{ ref('int_events_sessionized') }}
    where event_name = 'page_view'

),

catalog as (

    select * from {{ ref('stg_config__micro_conversions') }}
    where kind = 'destination'

),

matched as (

    select
        catalog.conversion_name,
        catalog.kind,
        events.event_key as event_id,
        events.session_key,
        events.event_at,
        events.event_ts_us

    from events
    inner join catalog on events.page_path glob catalog.page_path_pattern

)

select * from matched
