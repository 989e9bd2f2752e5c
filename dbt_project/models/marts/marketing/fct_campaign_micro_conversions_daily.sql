{{ config(enabled=sources_feeding('ad_campaign_days') | length > 0) }}
{#- Day × platform × campaign × micro-conversion: how often the campaign's sessions took each micro-step
    of the catalog, and what one cost: the campaign day's spend (reporting currency) per micro-conversion.
    The long shape keeps the table the same whatever the catalog holds. -#}
with

site_days as (

    select * from {{ ref('int_campaign_site_days') }}
    where conversion_name <> '(all)'

),

ad_days as (

    select * from {{ ref('int_ad_campaign_days_converted') }}

),

costed as (

    select
        site_days.date_day,
        site_days.platform,
        site_days.campaign_id,
        site_days.conversion_name,
        site_days.micro_conversions,
        ad_days.reporting_currency,
        coalesce(ad_days.spend, 0) as spend,
        -- in double: Spark divides a decimal by an integer as decimals (DuckDB as doubles)
        case when site_days.micro_conversions > 0 then cast(ad_days.spend as double) / site_days.micro_conversions end
            as cost_per_micro_conversion

    from site_days
    left join ad_days
        on ad_days.date_day = site_days.date_day and ad_days.platform = site_days.platform
        and cast(ad_days.campaign_id as {{ dbt.type_string() }}) = site_days.campaign_id

)

select * from costed
