with

source as (

    select * from {{ source('raw_shopify', 'customers') }}

),

renamed as (

    select
        legacy_resource_id as customer_id,
        id as customer_gid,
        email_hash,
        cast(created_at at time zone 'UTC' as timestamp) as created_at,
        cast(updated_at at time zone 'UTC' as timestamp) as updated_at,
        number_of_orders

    from source

)

select * from renamed
