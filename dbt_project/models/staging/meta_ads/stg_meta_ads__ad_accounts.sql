with

source as (

    select * from {{ source('raw_meta_ads', 'ad_account') }}

),

renamed as (

    select
        account_id,
        name as account_name,
        currency,
        timezone_name as account_time_zone

    from source

)

select * from renamed
