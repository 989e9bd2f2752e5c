{#- Destination micro-conversions: a page view whose path matches the entry's glob pattern
    (`*` matches any run of characters, e.g. '/pricing*'). -#}
{#- A view (exception to the folder's tables): a step only int_micro_conversions_stitched reads, inlined there
    rather than written once and read back (DECISIONLOG, "Steps one model reads are views"). -#}
{{ config(materialized='view') }}
with

events as (

    select * from {{ ref('int_events_sessionized') }}
    where event_name = 'page_view'

),

catalog as (

    -- the pattern prepared once per entry (Spark: the glob as a regular expression)
    select *, {{ glob_pattern('page_path_pattern') }} as page_path_glob
    from {{ ref('stg_config__micro_conversions') }}
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
    inner join catalog on {{ glob_matches('events.page_path', 'catalog.page_path_glob') }}

)

select * from matched
