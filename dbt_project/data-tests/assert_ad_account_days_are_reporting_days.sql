{#- WARN: an ad account reports its days in a time zone other than the reporting zone, so in
    fct_campaign_performance_daily its spend (the account's day) and the site's sessions and orders (the
    reporting zone's day) on one row cover different 24 hours. Platforms cannot re-bucket a day; read
    such rows over weeks, or set the account's zone to the reporting zone in the ad platform. -#}
{{ config(
    severity='warn',
    enabled=source_enabled('shopify') and sources_feeding('ad_campaign_days') | length > 0,
    meta={'dagster': {'ref': {'name': 'fct_campaign_performance_daily'}}},
) }}
select distinct
    platform,
    account_id,
    account_time_zone,
    reporting_time_zone

from {{ ref('fct_campaign_performance_daily') }}
where account_time_zone is not null and not is_account_day_reporting_day
