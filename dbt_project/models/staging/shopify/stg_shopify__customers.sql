with

source as (

    select * from {{ source('raw_shopify', 'customers') }}

),

renamed as (

    select
        legacy_resource_id as customer_id,
        id as customer_gid,
        email_hash,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        number_of_orders

    from source

)

select * from renamed
