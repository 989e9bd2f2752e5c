{{ config(enabled=sources_feeding('ad_campaign_days') | length > 0) }}
{#- Each ad campaign day with its spend in the reporting currency, at the rate of the account's day
    (int_currency_rates_daily: the ECB's, carried over weekends and holidays, or a fixed override).
    The day stays the account's: platforms report whole days in their own zone. A spend whose rate is
    missing is null here, and the test assert_every_ad_day_has_its_currency_rate fails naming the day. -#}
with

ad_days as (

    select * from {{ ref('int_ad_campaign_days_unioned') }}

),

reporting as (

    select * from {{ ref('int_reporting_settings') }}

),

rates as (

    select * from {{ ref('int_currency_rates_daily') }}

),

converted as (

    select
        ad_days.platform,
        ad_days.date_day,
        ad_days.account_id,
        ad_days.account_time_zone,
        ad_days.campaign_id,
        ad_days.campaign_name,
        ad_days.currency as account_currency,
        ad_days.spend as spend_in_account_currency,
        reporting.currency as reporting_currency,
        case
            when ad_days.currency = reporting.currency then 1.0
            else cast(to_rate.units_per_euro as double) / cast(from_rate.units_per_euro as double)
        end as exchange_rate,
        case
            when ad_days.currency = reporting.currency then cast(round(ad_days.spend, 2) as decimal(18, 2))
            else {{ convert_money('ad_days.spend', 'from_rate.units_per_euro', 'to_rate.units_per_euro') }}
        end as spend,
        ad_days.impressions,
        ad_days.clicks,
        ad_days.platform_conversions,
        ad_days.platform_conversion_value as platform_conversion_value_in_account_currency,
        reporting.time_zone as reporting_time_zone

    from ad_days
    cross join reporting
    left join rates as from_rate
        on from_rate.currency = ad_days.currency and from_rate.date_day = ad_days.date_day
    left join rates as to_rate
        on to_rate.currency = reporting.currency and to_rate.date_day = ad_days.date_day

)

select * from converted
