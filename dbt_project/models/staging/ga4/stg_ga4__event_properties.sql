{#- What a `where:` filter can read of a GA4 event (microfunnel/property_filters.py): the export's
    params and user properties as lists of {key, value as text} (what stg_ga4__events makes of the
    params), items[] as the raw table keeps them, and the device, geo, traffic_source and
    collected_traffic_source records as the export's JSON texts. A view: the filter models read
    only the events their steps name, and the filter macros (macros/property_filters.sql) read only
    the column a condition reads, for the events it applies to. A warehouse keeping the raw columns
    natively gives the records' JSON here, made only for the rows a reader keeps; the params are
    listed and the items read field by field without any JSON (the JSON of a few thousand
    scattered events' native params took five times as long as reading them, DECISIONLOG "GA4's
    nested columns native in the DuckDB warehouse"). -#}
{%- set native = ga4_native_nested() -%}
with

source as (

    select * from {{ ga4_export_rows() }}

),

renamed as (

    select
        event_key,
        event_name,
        {{ ga4_export_params('event_params', native) }} as event_params,
        {{ ga4_export_params('user_properties', native) }} as user_properties,
        items,
        {{ ga4_nested_json('device', native) }} as device,
        {{ ga4_nested_json('geo', native) }} as geo,
        {{ ga4_nested_json('traffic_source', native) }} as traffic_source,
        {{ ga4_nested_json('collected_traffic_source', native) }} as collected_traffic_source

    from source

)

select * from renamed
