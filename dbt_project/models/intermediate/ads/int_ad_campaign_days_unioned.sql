{#- Google Ads and Meta Ads campaign days in one shape. Spend stays in each account's currency
    (no conversion: the shop and both ad accounts share one currency here; `currency` says which).
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

google_days as (

    select
        'google_ads' as platform,
        google_stats.date_day,
        google_stats.account_id,
        google_stats.campaign_id,
        google_campaigns.campaign_name,
        google_stats.spend,
        google_stats.currency,
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

    from meta_insights

),

unioned as (

    select * from google_days
    union all
    select * from meta_days

)

select * from unioned
