{#- Google Ads and Meta Ads campaign days in one shape. date_day is the ad account's day in its own
    time zone (account_time_zone: platforms report whole days and cannot be re-bucketed); spend is in
    the account's currency (`currency`).
    platform_conversions are what each platform claims for its click day; platforms claim
    independently, so their sum can exceed the orders that exist. -#}
with

google_stats as (

    select * from {{ ref('stg_google_ads__campaign_stats') }}

),

google_campaigns as (

    select * from {{ ref('stg_google_ads__campaigns') }}

),

meta_insights as (

    select * from {{ ref('stg_meta_ads__campaign_insights') }}

),

meta_accounts as (

    select * from {{ ref('stg_meta_ads__ad_accounts') }}

),

google_days as (

    select
        'google_ads' as platform,
        google_stats.date_day,
        google_stats.account_id,
        google_stats.campaign_id,
        google_campaigns.campaign_name,
        google_stats.spend,
        google_stats.currency,
        google_campaigns.account_time_zone,
        google_stats.impressions,
        google_stats.clicks,
        cast(google_stats.conversions as double) as platform_conversions,
        google_stats.conversions_value as platform_conversion_value

    from google_stats
    left join google_campaigns on google_campaigns.campaign_id = google_stats.campaign_id

),

meta_days as (

    select
        'meta_ads' as platform,
        meta_insights.date_day,
        meta_insights.account_id,
        meta_insights.campaign_id,
        meta_insights.campaign_name,
        meta_insights.spend,
        meta_insights.currency,
        meta_accounts.account_time_zone,
        meta_insights.impressions,
        meta_insights.clicks,
        meta_insights.purchases as platform_conversions,
        meta_insights.purchase_value as platform_conversion_value

    from meta_insights
    left join meta_accounts on meta_accounts.account_id = meta_insights.account_id

),

unioned as (

    select * from google_days
    union all
    select * from meta_days

)

select * from unioned
