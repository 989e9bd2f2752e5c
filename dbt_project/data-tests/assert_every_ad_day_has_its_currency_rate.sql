{#- Fails (with an error naming the first days and currency pairs) when ad spend on some day cannot be
    converted to the reporting currency: no ECB rate for that day within 4 days before it and no fixed
    rate in seeds/currency_rate_overrides.csv. Load the ecb_rates source, or add the rate to the seed. -#}
{{ config(
    enabled=sources_feeding('ad_campaign_days') | length > 0,
    meta={'dagster': {'ref': {'name': 'int_ad_campaign_days_converted'}}},
) }}
with

missing as (

    select distinct date_day, account_currency || '->' || reporting_currency as currency_pair
    from {{ ref('int_ad_campaign_days_converted') }}
    where spend is null

),

named as (

    select
        count(*) as missing_days,
        {{ string_agg_ordered("currency_pair || ' on ' || date_day", "', '", 'date_day, currency_pair') }} as which
    from (select * from missing order by date_day, currency_pair limit 10)

)

-- fail_query() in the filter, not the projection: dbt wraps a test in count(*), which would never
-- evaluate a selected column. The CASE evaluates it only when a rate is missing.
select missing_days, which
from named
where case
    when missing_days > 0 then {{ fail_query("
        'no exchange rate for ' || which || ': load the ecb_rates source (ECB reference rates) or add '
        || 'a fixed rate to dbt_project/seeds/currency_rate_overrides.csv'
    ") }} is null
    else false
end
