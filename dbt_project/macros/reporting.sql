{#- Reporting clock and money. The default__ macros are DuckDB's SQL, the spark__ ones Spark's
    (session time zone UTC; its `timestamp` holds the UTC wall-clock time of DuckDB's naive ones). -#}

{% macro to_reporting_date(utc_timestamp) -%}
    {#- The local date, in the reporting time zone (int_reporting_settings), of a UTC timestamp: the
        `date_day` of every mart. -#}
    {{ return(adapter.dispatch('to_reporting_date', 'microfunnel')(utc_timestamp)) }}
{%- endmacro %}

{% macro default__to_reporting_date(utc_timestamp) -%}
    {#- timezone('UTC', ts) reads the naive UTC value as an instant (never the session's time zone);
        timezone(zone, instant) gives the wall-clock time there. -#}
    cast(timezone(
        (select time_zone from {{ ref('int_reporting_settings') }}),
        timezone('UTC', {{ utc_timestamp }})
    ) as date)
{%- endmacro %}

{% macro spark__to_reporting_date(utc_timestamp) -%}
    {#- from_utc_timestamp reads the value as a UTC instant and gives the wall-clock time in the zone
        (DST days included), as DuckDB's timezone() does. -#}
    cast(from_utc_timestamp(
        {{ utc_timestamp }},
        (select time_zone from {{ ref('int_reporting_settings') }})
    ) as date)
{%- endmacro %}

{% macro convert_money(amount, from_units_per_euro, to_units_per_euro) -%}
    {#- `amount` (in the currency whose rate is from_units_per_euro: units per 1 EUR) in the currency of
        to_units_per_euro, rounded half up to the cent, exactly: integer arithmetic on micro-units, no
        float on the way (DuckDB divides decimals as doubles). Null when a rate is null. Amounts >= 0. -#}
    {{ return(adapter.dispatch('convert_money', 'microfunnel')(amount, from_units_per_euro, to_units_per_euro)) }}
{%- endmacro %}

{% macro default__convert_money(amount, from_units_per_euro, to_units_per_euro) -%}
    {%- set from_micros = "cast(round(" ~ from_units_per_euro ~ " * 1000000) as hugeint)" -%}
    {%- set to_micros = "cast(round(" ~ to_units_per_euro ~ " * 1000000) as hugeint)" -%}
    cast(
        cast(
            (2 * cast(round(cast({{ amount }} as decimal(38, 6)) * 1000000) as hugeint) * {{ to_micros }} * 100 + {{ from_micros }} * 1000000)
            // (2 * {{ from_micros }} * 1000000)
            as decimal(20, 0)
        ) * cast(0.01 as decimal(3, 2))
        as decimal(18, 2)
    )
{%- endmacro %}

{% macro spark__convert_money(amount, from_units_per_euro, to_units_per_euro) -%}
    {#- Spark has no hugeint: the same integers as decimal(38, 0), and `div` (an exact integral
        quotient of decimals, truncated like DuckDB's `//`). -#}
    {%- set from_micros = "cast(round(" ~ from_units_per_euro ~ " * 1000000) as decimal(38, 0))" -%}
    {%- set to_micros = "cast(round(" ~ to_units_per_euro ~ " * 1000000) as decimal(38, 0))" -%}
    cast(
        cast(
            (2 * cast(round(cast({{ amount }} as decimal(38, 6)) * 1000000) as decimal(38, 0)) * {{ to_micros }} * 100 + {{ from_micros }} * 1000000)
            div (2 * {{ from_micros }} * 1000000)
            as decimal(20, 0)
        ) * cast(0.01 as decimal(3, 2))
        as decimal(18, 2)
    )
{%- endmacro %}

{% macro calendar_days(bounds, first_day, last_day) -%}
    {#- A select of one row per day (`date_day`) from first_day to last_day (columns of the one-row
        relation `bounds`); none when either is null or first_day > last_day. -#}
    {{ return(adapter.dispatch('calendar_days', 'microfunnel')(bounds, first_day, last_day)) }}
{%- endmacro %}

{% macro default__calendar_days(bounds, first_day, last_day) -%}
    select cast(range as date) as date_day
    from {{ bounds }}, range({{ bounds }}.{{ first_day }}, {{ bounds }}.{{ last_day }} + 1, interval 1 day)
{%- endmacro %}

{% macro spark__calendar_days(bounds, first_day, last_day) -%}
    {#- sequence() fails on a start after the stop, where DuckDB's range() is empty. -#}
    select explode(
        case when {{ first_day }} <= {{ last_day }} then sequence({{ first_day }}, {{ last_day }}, interval 1 day) end
    ) as date_day
    from {{ bounds }}
{%- endmacro %}

{% macro ecb_rates_carried(grid, ecb) -%}
    {#- A select of each row of `grid` (date_day, currency) with the ECB rate of the latest rate_date
        on or before its day (ecb_rate_date, ecb_units_per_euro; null when none): an as-of join. -#}
    {{ return(adapter.dispatch('ecb_rates_carried', 'microfunnel')(grid, ecb)) }}
{%- endmacro %}

{% macro default__ecb_rates_carried(grid, ecb) -%}
    select
        {{ grid }}.date_day,
        {{ grid }}.currency,
        {{ ecb }}.rate_date as ecb_rate_date,
        {{ ecb }}.units_per_euro as ecb_units_per_euro

    from {{ grid }}
    asof left join {{ ecb }}
        on {{ ecb }}.currency = {{ grid }}.currency
        and {{ ecb }}.rate_date <= {{ grid }}.date_day
{%- endmacro %}

{% macro spark__ecb_rates_carried(grid, ecb) -%}
    {#- Spark has no as-of join: grid days and rate days on one timeline per currency, each grid day
        taking the last rate seen (a rate of the day itself sorts before the day's grid row). -#}
    select date_day, currency, carried.rate_date as ecb_rate_date, carried.units_per_euro as ecb_units_per_euro
    from (
        select
            date_day,
            currency,
            is_grid,
            last(rate, true) over (
                partition by currency order by date_day, is_grid rows between unbounded preceding and current row
            ) as carried

        from (
            select date_day, currency, true as is_grid, null as rate
            from {{ grid }}
            union all
            select rate_date, currency, false, named_struct('rate_date', rate_date, 'units_per_euro', units_per_euro)
            from {{ ecb }}
            where rate_date is not null and currency is not null
        ) as timeline
    ) as carried_timeline
    where is_grid
{%- endmacro %}
