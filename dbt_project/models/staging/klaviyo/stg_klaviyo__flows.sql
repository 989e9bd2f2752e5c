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
        cast(created at time zone 'UTC' as timestamp) as created_at,
        cast(updated at time zone 'UTC' as timestamp) as updated_at

    from source

)

select * from renamed
