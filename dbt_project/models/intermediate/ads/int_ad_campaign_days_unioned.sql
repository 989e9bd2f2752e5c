{{ config(enabled=sources_feeding('ad_campaign_days') | length > 0) }}
{#- Every enabled ad platform's campaign days in one shape: the union of the models named
    int_ad_campaign_days__<source> of the sources feeding ad_campaign_days. Spend stays in each
    account's currency (`currency` says which). platform_conversions are what each platform claims
    for its click day; platforms claim independently, so their sum can exceed the orders that exist. -#}
with

unioned as (
{{ union_source_contributions(
    'ad_campaign_days',
    'int_ad_campaign_days__',
    ['platform', 'date_day', 'account_id', 'campaign_id', 'campaign_name', 'spend', 'currency',
     'impressions', 'clicks', 'platform_conversions', 'platform_conversion_value'],
) }}
)

select * from unioned
