with

source as (

    select * from {{ source('raw_google_ads', 'click_view') }}

),

renamed as (

    select
        click_view__gclid as gclid,
        campaign__id as campaign_id,
        ad_group__id as ad_group_id,
        segments__date as date_day,
        segments__device as device,
        segments__ad_network_type as ad_network_type

    from source

)

select * from renamed
