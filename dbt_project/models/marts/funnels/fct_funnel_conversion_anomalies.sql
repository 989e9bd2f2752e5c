{#- Each step's conversion (from the previous step) per entry day, set against its trailing band:
    the mean ± N standard deviations of the same step over the entry days before. Only entry days
    whose conversion window has fully elapsed are here: younger days still have journeys running
    and would always look like a drop. A day is judged only with enough history and entrants;
    the asset check `funnel_conversion_within_trailing_band` reads the newest judged day. -#}
{%- set trailing_days = var('microfunnel__anomaly_trailing_days') -%}
{%- set band_sigmas = var('microfunnel__anomaly_band_sigmas') -%}
{%- set min_persons = var('microfunnel__anomaly_min_persons') -%}
{%- set min_band_days = var('microfunnel__anomaly_min_band_days') -%}
with

funnel_daily as (

    select * from {{ ref('fct_funnel_daily') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

funnel_steps as (

    select * from {{ ref('stg_config__funnel_steps') }}

),

step_days as (

    select funnel_name, step_index, date_day, cast(sum(persons_reached) as bigint) as persons_reached
    from funnel_daily
    group by funnel_name, step_index, date_day

),

with_previous_step as (

    select
        *,
        lag(persons_reached) over (partition by funnel_name, date_day order by step_index)
            as persons_at_previous_step

    from step_days

),

complete_days as (

    select
        with_previous_step.*,
        with_previous_step.persons_reached / with_previous_step.persons_at_previous_step as conversion

    from with_previous_step
    inner join funnels on funnels.funnel_name = with_previous_step.funnel_name
    where with_previous_step.step_index > 1
        and with_previous_step.persons_at_previous_step > 0
        and with_previous_step.date_day <= (select max(date_day) from funnel_daily)
            - cast(ceil(funnels.window_seconds / 86400.0) as integer)

),

banded as (

    select
        *,
        avg(conversion) over trailing_days as band_mean,
        {{ stddev_samp_window('conversion', 'trailing_days') }} as band_sd,
        count(*) over trailing_days as band_days

    from complete_days
    window trailing_days as (
        partition by funnel_name, step_index order by date_day
        rows between {{ trailing_days }} preceding and 1 preceding
    )

),

judged as (

    select
        banded.funnel_name,
        banded.step_index,
        funnel_steps.step_name,
        banded.date_day,
        banded.persons_at_previous_step,
        banded.persons_reached,
        banded.conversion::double as conversion,
        banded.band_mean::double as band_mean,
        banded.band_sd::double as band_sd,
        banded.band_days,
        banded.band_days >= {{ min_band_days }} and banded.persons_at_previous_step >= {{ min_persons }}
            as is_judged,
        banded.date_day = max(banded.date_day) over (partition by banded.funnel_name)
            as is_newest_complete_day

    from banded
    inner join funnel_steps
        on funnel_steps.funnel_name = banded.funnel_name and funnel_steps.step_index = banded.step_index

),

final as (

    select
        *,
        coalesce(
            is_judged and abs(conversion - band_mean) > {{ band_sigmas }} * greatest(coalesce(band_sd, 0), 0.01),
            false
        ) as is_anomaly

    from judged

)

select * from final
