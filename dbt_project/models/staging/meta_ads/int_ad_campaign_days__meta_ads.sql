{#- Meta Ads' contribution to int_ad_campaign_days_unioned: campaign days in the shared ad shape, each
    on the ad account's day (its timezone_name). -#}
with

insights as (

    select * from {{ ref('stg_meta_ads__campaign_insights') }}

),

accounts as (

    select * from {{ ref('stg_meta_ads__ad_accounts') }}

),

campaign_days as (

    select
        'meta_ads' as platform,
        insights.date_day,
        insights.account_id,
        insights.campaign_id,
        insights.campaign_name,
        insights.spend,
        insights.currency,
        accounts.account_time_zone,
        insights.impressions,
        insights.clicks,
        insights.purchases as platform_conversions,
        insights.purchase_value as platform_conversion_value

    from insights
    left join accounts on accounts.account_id = insights.account_id

)

select * from campaign_days
