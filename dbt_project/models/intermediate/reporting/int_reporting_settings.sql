{#- The one reporting clock and currency (one row). conversions.yml `reporting:` wins; else the Shopify
    shop's (shop { ianaTimezone currencyCode }) when Shopify is enabled; else the GA4 property's (vars
    microfunnel__ga4_property_time_zone / _currency: the export files do not carry it); else UTC and EUR.
    Each value says where it came from. -#}
{%- set shopify_enabled = source_enabled('shopify') -%}
{%- set ga4_time_zone = var('microfunnel__ga4_property_time_zone') -%}
{%- set ga4_currency = var('microfunnel__ga4_property_currency') -%}
with

configured as (

    select * from {{ ref('stg_config__reporting') }}

),

{% if shopify_enabled -%}
shop as (

    select * from {{ ref('stg_shopify__shop') }}

),
{%- else -%}
shop as (

    select cast(null as {{ dbt.type_string() }}) as time_zone, cast(null as {{ dbt.type_string() }}) as currency
    where false

),
{%- endif %}

candidates as (

    select 1 as precedence, 'conversions.yml' as origin, time_zone, currency from configured
    union all
    select 2, 'shopify shop', time_zone, currency from shop
    union all
    select 3, 'ga4 property', {{ "'" ~ ga4_time_zone ~ "'" if ga4_time_zone else 'null' }},
        {{ "'" ~ ga4_currency ~ "'" if ga4_currency else 'null' }}
    union all
    select 4, 'default', 'UTC', 'EUR'

),

resolved as (

    select
        min_by(time_zone, precedence) filter (where time_zone is not null) as time_zone,
        min_by(origin, precedence) filter (where time_zone is not null) as time_zone_origin,
        min_by(currency, precedence) filter (where currency is not null) as currency,
        min_by(origin, precedence) filter (where currency is not null) as currency_origin

    from candidates

)

select * from resolved
