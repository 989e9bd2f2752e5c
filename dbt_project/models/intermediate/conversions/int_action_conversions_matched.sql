{#- Action micro-conversions: an event of the catalog's event_name whose parameters include every
    parameter filter of the entry (compared as text). -#}
with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

catalog as (

    select * from {{ ref('stg_config__micro_conversions') }}
    where kind = 'action'

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
    inner join catalog
        on catalog.event_name = events.event_name
        and len(list_filter(map_entries(catalog.params),
                            lambda p: coalesce(events.event_params[p.key], '') <> p.value)) = 0

)

select * from matched
