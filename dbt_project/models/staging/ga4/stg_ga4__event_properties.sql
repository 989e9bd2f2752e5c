{#- What a `where:` filter can read of a GA4 event (microfunnel/property_filters.py): the export's
    params, user properties, items[] and the device, geo, traffic_source and
    collected_traffic_source records, as the export's JSON texts. A view: the filter models read
    only the events their steps name, and the filter macros (macros/property_filters.sql) parse
    only the column a condition reads, for the events it applies to. -#}
with

source as (

    select * from {{ ga4_export_rows() }}

),

renamed as (

    select
        event_key,
        event_name,
        event_params,
        user_properties,
        items,
        device,
        geo,
        traffic_source,
        collected_traffic_source

    from source

)

select * from renamed
