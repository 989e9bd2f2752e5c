{#- Google Ads' contribution to int_ad_campaign_days_unioned: campaign days in the shared ad shape. -#}
with

stats as (

    select * from {{ ref('stg_google_ads__campaign_stats') }}

),

campaigns as (

    select * from {{ ref('stg_google_ads__campaigns') }}

),

campaign_days as (

    select
        'google_ads' as platform,
        stats.date_day,
        stats.account_id,
        stats.campaign_id,
        campaigns.campaign_name,
        stats.spend,
        stats.currency,
        campaigns.account_time_zone,
        stats.impressions,
        stats.clicks,
        cast(stats.conversions as double) as platform_conversions,
        stats.conversions_value as platform_conversion_value

    from stats
    left join campaigns on campaigns.campaign_id = stats.campaign_id

)

select * from campaign_days
