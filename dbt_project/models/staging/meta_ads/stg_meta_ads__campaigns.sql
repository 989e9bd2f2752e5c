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
        {{ utc_timestamp('created_time') }} as created_at,
        {{ utc_timestamp('updated_time') }} as updated_at

    from source

)

select * from renamed
