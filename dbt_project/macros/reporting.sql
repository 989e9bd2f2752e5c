{% macro to_reporting_date(utc_timestamp) -%}
    {#- The local date, in the reporting time zone (int_reporting_settings), of a UTC timestamp: the
        `date_day` of every mart. timezone('UTC', ts) reads the naive UTC value as an instant (never the
        session's time zone); timezone(zone, instant) gives the wall-clock time there. -#}
    cast(timezone(
        (select time_zone from {{ ref('int_reporting_settings') }}),
        timezone('UTC', {{ utc_timestamp }})
    ) as date)
{%- endmacro %}
