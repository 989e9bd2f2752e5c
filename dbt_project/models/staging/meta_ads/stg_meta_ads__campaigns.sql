with

source as (

    select * from {{ source('raw_meta_ads', 'campaigns') }}

),

renamed as (

    select
        id as campaign_id,
        name as campaign_name,
        status,
        effective_status,
        objective,
        cast(created_time at time zone 'UTC' as timestamp) as created_at,
        cast(updated_time at time zone 'UTC' as timestamp) as updated_at

    from source

)

select * from renamed
