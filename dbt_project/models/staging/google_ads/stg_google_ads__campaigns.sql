with

source as (

    select * from {{ source('raw_google_ads', 'campaigns') }}

),

renamed as (

    select
        campaign__id as campaign_id,
        campaign__name as campaign_name,
        campaign__status as status,
        campaign__advertising_channel_type as channel_type,
        customer__id as account_id,
        customer__currency_code as currency,
        customer__time_zone as account_time_zone

    from source

)

select * from renamed
