{#- GA4's items[] parsed: one row per event × item, typed as the BigQuery export types them. -#}
{%- set native = ga4_native_nested() -%}
with

source as (

    select event_key, {{ ga4_nested_json('items', native) }} as items from {{ ga4_export_rows() }}
    where items is not null and {{ 'len(items)' if native else 'json_array_length(items)' }} > 0

),

unnested as (

    select
        event_key,
        {{ ga4_items_unnested('items') }}

    from source

),

renamed as (

    select
        event_key,
        item_index,
        {{ json_text('item', '$.item_id') }} as item_id,
        {{ json_text('item', '$.item_name') }} as item_name,
        {{ json_text('item', '$.item_brand') }} as item_brand,
        {{ json_text('item', '$.item_variant') }} as item_variant,
        {{ json_text('item', '$.item_category') }} as item_category,
        try_cast({{ json_text('item', '$.price') }} as double) as price,
        try_cast({{ json_text('item', '$.quantity') }} as bigint) as quantity,
        try_cast({{ json_text('item', '$.item_revenue') }} as double) as item_revenue

    from unnested

)

select * from renamed
