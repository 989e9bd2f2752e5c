{{ config(enabled=sources_feeding('ad_campaign_days') | length > 0) }}
{#- Every enabled ad platform's campaign days in one shape: the union of the models named
    int_ad_campaign_days__<source> of the sources feeding ad_campaign_days. date_day is the ad
    account's day in its own time zone (account_time_zone: platforms report whole days, which cannot
    be re-bucketed); spend is in the account's currency (`currency`). platform_conversions are what each platform claims
    for its click day; platforms claim independently, so their sum can exceed the orders that exist. -#}
with

unioned as (
{{ union_source_contributions(
    'ad_campaign_days',
    'int_ad_campaign_days__',
    ['platform', 'date_day', 'account_id', 'campaign_id', 'campaign_name', 'spend', 'currency',
     'account_time_zone', 'impressions', 'clicks', 'platform_conversions', 'platform_conversion_value'],
) }}
)

select * from unioned
