{% macro to_reporting_date(utc_timestamp) -%}
    {#- The local date, in the reporting time zone (int_reporting_settings), of a UTC timestamp: the
        `date_day` of every mart. timezone('UTC', ts) reads the naive UTC value as an instant (never the
        session's time zone); timezone(zone, instant) gives the wall-clock time there. -#}
    cast(timezone(
        (select time_zone from {{ ref('int_reporting_settings') }}),
        timezone('UTC', {{ utc_timestamp }})
    ) as date)
{%- endmacro %}

{% macro convert_money(amount, from_units_per_euro, to_units_per_euro) -%}
    {#- `amount` (in the currency whose rate is from_units_per_euro: units per 1 EUR) in the currency of
        to_units_per_euro, rounded half up to the cent, exactly: integer arithmetic on micro-units, no
        float on the way (DuckDB divides decimals as doubles). Null when a rate is null. Amounts >= 0. -#}
    {%- set from_micros = "cast(round(" ~ from_units_per_euro ~ " * 1000000) as hugeint)" -%}
    {%- set to_micros = "cast(round(" ~ to_units_per_euro ~ " * 1000000) as hugeint)" -%}
    cast(
        cast(
            (2 * cast(round({{ amount }} * 1000000) as hugeint) * {{ to_micros }} * 100 + {{ from_micros }} * 1000000)
            // (2 * {{ from_micros }} * 1000000)
            as decimal(20, 0)
        ) * cast(0.01 as decimal(3, 2))
        as decimal(18, 2)
    )
{%- endmacro %}
