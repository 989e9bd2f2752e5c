{{ config(enabled=sources_feeding('conversion_events') | length > 0) }}
{#- Action micro-conversions on the events other sources contribute (feed conversion_events, e.g.
    Klaviyo's email opens and clicks), matched like GA4's: the catalog's event_name, and every
    parameter filter equal (as text) to the event's param. Each event already carries its person. -#}
with

source_events as (
{{ union_source_contributions(
    'conversion_events',
    'int_conversion_events__',
    ['person_id', 'event_id', 'session_id', 'event_name', 'event_params', 'event_at', 'event_ts_us'],
) }}
),

catalog as (

    select * from {{ ref('stg_config__micro_conversions') }}
    where kind = 'action'

),

matched as (

    select
        catalog.conversion_name,
        catalog.kind,
        source_events.event_id,
        source_events.session_id,
        source_events.person_id,
        source_events.event_at,
        source_events.event_ts_us

    from source_events
    inner join catalog
        on catalog.event_name = source_events.event_name
        and len(list_filter(map_entries(catalog.params),
                            lambda p: coalesce(source_events.event_params[p.key], '') <> p.value)) = 0

)

select * from matched
