{#- What a `where:` filter can read of a GA4 event (microfunnel/property_filters.py): params and
    user properties as text maps, items[] as a list of JSON objects (on Spark, their JSON texts),
    and the device, geo, traffic_source and collected_traffic_source records as JSON. A view: the
    filter models read only the events their steps name. -#}
with

source as (

    select * from {{ source('raw_ga4', 'events') }}

),

renamed as (

    select
        event_key,
        event_name,
        {{ ga4_params_map('event_params') }} as event_params,
        {{ ga4_params_map('user_properties') }} as user_properties,
        {{ ga4_items_list('items') }} as items,
        device,
        geo,
        traffic_source,
        collected_traffic_source

    from source

)

select * from renamed
