{#- cost_micros becomes spend: an exact decimal in the account currency (micros * 0.000001, never a
    float division). Days without conversions carry no conversion fields on the wire: 0 here. -#}
with

source as (

    select * from {{ source('raw_google_ads', 'campaign_stats') }}

),

renamed as (

    select
        segments__date as date_day,
        campaign__id as campaign_id,
        split_part(campaign__resource_name, '/', 2) as account_id,
        coalesce(metrics__impressions, 0) as impressions,
        coalesce(metrics__clicks, 0) as clicks,
        cast(cast(coalesce(metrics__cost_micros, 0) as decimal(20, 0)) * 0.000001 as decimal(18, 6)) as spend,
        coalesce(metrics__conversions, 0) as conversions,
        cast(coalesce(metrics__conversions_value, 0) as decimal(18, 4)) as conversions_value,
        customer__currency_code as currency

    from source

)

select * from renamed
