{{ config(enabled=sources_feeding('conversion_events') | length > 0) }}
{#- Action micro-conversions on the events other sources contribute (feed conversion_events, e.g.
    Klaviyo's email opens and clicks), matched like GA4's: the catalog's event_name, every
    parameter filter equal (as text) to the event's param, and every `where` condition of the
    entry holding on the event's params (such events have no items, user properties or GA4
    records). Each event already carries its person. -#}
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

filters as (

    select * from {{ ref('stg_config__property_filters') }}
    where filter_owner = 'micro_conversion'

),

source_properties as (

    -- what a `where` condition can read of these events, shaped like stg_ga4__event_properties:
    -- their params only, as its list of {key, value as text} (no items: read as JSON text, below)
    select
        event_id as event_key,
        map_entries(event_params) as event_params,
        cast(null as {{ type_param_list() }}) as user_properties,
        cast(null as {{ type_json() }}) as items,
        cast(null as {{ type_json() }}) as device,
        cast(null as {{ type_json() }}) as geo,
        cast(null as {{ type_json() }}) as traffic_source,
        cast(null as {{ type_json() }}) as collected_traffic_source

    from source_events

),

candidates as (

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
        and {{ catalog_params_match('catalog.params', 'map_entries(source_events.event_params)') }}

),

matched as (

    {{ candidates_passing_filters('candidates', 'filters', 'source_properties', item_fields=[]) }}

)

select * from matched
