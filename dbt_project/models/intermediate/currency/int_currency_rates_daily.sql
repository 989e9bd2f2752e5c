{#- One row per calendar day × currency: units of the currency per 1 EUR on that day. A fixed rate of
    the seed currency_rate_overrides wins; else the ECB reference rate of the day, or of the latest
    business day before it (weekends and TARGET holidays have none) but at most 4 days back (Good
    Friday to Easter Monday): an older rate means the ECB has not published or a load is missing, and
    the day has no rate, which the conversion check reports. EUR itself is 1. -#}
{%- set ecb_enabled = source_enabled('ecb_rates') -%}
{%- set max_carry_days = var('microfunnel__max_rate_carry_days') -%}
with

{% if ecb_enabled -%}
ecb as (

    select * from {{ ref('stg_ecb_rates__reference_rates') }}

),
{%- else -%}
ecb as (

    select cast(null as date) as rate_date, cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as decimal(18, 6)) as units_per_euro
    where false

),
{%- endif %}

overrides as (

    select * from {{ ref('currency_rate_overrides') }}

),

bounds as (

    select
        least(
            (select min(rate_date) from ecb), (select min(valid_from) from overrides)
        ) as first_day,
        greatest(
            (select max(rate_date) from ecb) + {{ max_carry_days }},
            (select max(coalesce(valid_to, valid_from)) from overrides)
        ) as last_day

),

days as (

    {{ calendar_days('bounds', 'first_day', 'last_day') }}

),

currencies as (

    select distinct currency from ecb
    union
    select distinct upper(currency) from overrides

),

grid as (

    select days.date_day, currencies.currency
    from days
    cross join currencies

),

carried as (

    {{ ecb_rates_carried('grid', 'ecb') }}

),

resolved as (

    select
        carried.date_day,
        carried.currency,
        case
            when overrides.units_per_euro is not null then cast(overrides.units_per_euro as decimal(18, 6))
            when carried.ecb_rate_date >= carried.date_day - {{ max_carry_days }} then carried.ecb_units_per_euro
        end as units_per_euro,
        case
            when overrides.units_per_euro is not null then 'override'
            when carried.ecb_rate_date >= carried.date_day - {{ max_carry_days }} then 'ecb'
        end as rate_source,
        case when overrides.units_per_euro is null then carried.ecb_rate_date end as ecb_rate_date

    from carried
    left join overrides
        on upper(overrides.currency) = carried.currency
        and carried.date_day between overrides.valid_from and coalesce(overrides.valid_to, date '9999-12-31')

),

with_euro as (

    select * from resolved where currency <> 'EUR' and units_per_euro is not null
    union all
    select date_day, 'EUR', cast(1 as decimal(18, 6)), 'euro', null from days

)

select * from with_euro
