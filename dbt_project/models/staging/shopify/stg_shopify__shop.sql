with

source as (

    select * from {{ source('raw_shopify', 'shop') }}

),

renamed as (

    select
        id as shop_gid,
        name as shop_name,
        nullif(iana_timezone, '') as time_zone,
        nullif(currency_code, '') as currency

    from source

)

select * from renamed
