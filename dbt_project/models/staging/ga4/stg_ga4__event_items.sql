{#- GA4's items[] parsed: one row per event × item, typed as the BigQuery export types them. -#}
with

source as (

    select event_key, items from {{ source('raw_ga4', 'events') }}
    where items is not null and json_array_length(items) > 0

),

unnested as (

    -- two unnests of equally long lists in one select run side by side
    select
        event_key,
        unnest(from_json(items, '["JSON"]')) as item,
        unnest(range(1, json_array_length(items)::bigint + 1)) as item_index

    from source

),

renamed as (

    select
        event_key,
        item_index,
        item ->> '$.item_id' as item_id,
        item ->> '$.item_name' as item_name,
        item ->> '$.item_brand' as item_brand,
        item ->> '$.item_variant' as item_variant,
        item ->> '$.item_category' as item_category,
        try_cast(item ->> '$.price' as double) as price,
        try_cast(item ->> '$.quantity' as bigint) as quantity,
        try_cast(item ->> '$.item_revenue' as double) as item_revenue

    from unnested

)

select * from renamed
