{#- Action micro-conversions: an event of the catalog's event_name whose parameters include every
    parameter filter of the entry (`params`, compared as text) and that passes every `where`
    condition of the entry (macros/property_filters.sql). -#}
{#- A view (exception to the folder's tables): a step only int_micro_conversions_stitched reads, inlined there
    rather than written once and read back (DECISIONLOG, "Steps one model reads are views"). -#}
{{ config(materialized='view') }}
with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

catalog as (

    select * from {{ ref('stg_config__micro_conversions') }}
    where kind = 'action'

),

filters as (

    select * from {{ ref('stg_config__property_filters') }}
    where filter_owner = 'micro_conversion'

),

event_properties as (

    select * from {{ ref('stg_ga4__event_properties') }}

),

candidates as (

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
        and {{ catalog_params_match('catalog.params', 'events.event_params') }}

),

matched as (

    {{ candidates_passing_filters('candidates', 'filters', 'event_properties') }}

)

select * from matched
