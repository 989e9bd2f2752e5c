with

source as (

    select * from {{ source('raw_klaviyo', 'campaigns') }}

),

renamed as (

    select
        id as campaign_id,
        name as campaign_name,
        status,
        coalesce(archived, false) as is_archived,
        cast(send_time at time zone 'UTC' as timestamp) as sent_at,
        cast(created_at at time zone 'UTC' as timestamp) as created_at,
        cast(updated_at at time zone 'UTC' as timestamp) as updated_at

    from source

)

select * from renamed
