{#- Meta Ads' contribution to int_ad_campaign_days_unioned: campaign days in the shared ad shape. -#}
with

insights as (

    select * from {{ ref('stg_meta_ads__campaign_insights') }}

),

campaign_days as (

    select
        'meta_ads' as platform,
        date_day,
        account_id,
        campaign_id,
        campaign_name,
        spend,
        currency,
        impressions,
        clicks,
        purchases as platform_conversions,
        purchase_value as platform_conversion_value

    from insights

)

select * from campaign_days
