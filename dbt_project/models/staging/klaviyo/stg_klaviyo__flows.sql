with

source as (

    select * from {{ source('raw_klaviyo', 'flows') }}

),

renamed as (

    select
        id as flow_id,
        name as flow_name,
        status,
        coalesce(archived, false) as is_archived,
        trigger_type,
        {{ utc_timestamp('created') }} as created_at,
        {{ utc_timestamp('updated') }} as updated_at

    from source

)

select * from renamed
