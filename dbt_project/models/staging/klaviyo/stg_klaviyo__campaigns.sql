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
        {{ utc_timestamp('send_time') }} as sent_at,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at

    from source

)

select * from renamed
