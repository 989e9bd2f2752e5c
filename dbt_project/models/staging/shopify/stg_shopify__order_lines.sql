with

source as (

    select * from {{ source('raw_shopify', 'order_lines') }}

),

renamed as (

    select
        order_legacy_resource_id as order_id,
        id as line_id,
        sku,
        sku as item_id,
        title,
        quantity,
        cast(original_unit_price_set__shop_money__amount as decimal(18, 4)) as unit_price,
        original_unit_price_set__shop_money__currency_code as currency

    from source

)

select * from renamed
