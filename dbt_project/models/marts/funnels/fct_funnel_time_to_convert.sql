{#- Time to convert per funnel step (step 2 onwards): from the previous step (PostHog's per-step
    average and median, which leave out zero gaps) and from the entry (all persons who reached
    the step), as average, median and 90th percentile seconds (interpolated, like ClickHouse).
    Gaps are aggregated in integer microseconds (an exact sum), then turned into seconds: the same
    rows give the same numbers on every build, whatever order parallel threads add them in.
    step_name is the catalog's k-th step and step_label how to read it (in any-order funnels step
    k is "k distinct steps done", whichever they were, so a person's own step name cannot name it). -#}
with

funnel_steps_reached as (

    select * from {{ ref('fct_funnel_steps') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

funnel_steps as (

    select * from {{ ref('stg_config__funnel_steps') }}

),

gaps as (

    select
        funnel_name,
        step_index,
        reached_ts_us - lag(reached_ts_us) over journey as us_from_previous,
        reached_ts_us - first_value(reached_ts_us) over journey as us_from_entry

    from funnel_steps_reached
    window journey as (partition by funnel_name, person_id order by step_index)

),

summarised as (

    select
        funnel_name,
        step_index,
        count(*) as persons_reached,
        avg(us_from_previous) filter (where us_from_previous > 0) / 1e6 as avg_seconds_from_previous,
        {{ median('us_from_previous', where='us_from_previous > 0') }} / 1e6 as median_seconds_from_previous,
        {{ quantile_cont('us_from_previous', 0.9, where='us_from_previous > 0') }} / 1e6
            as p90_seconds_from_previous,
        avg(us_from_entry) / 1e6 as avg_seconds_from_entry,
        {{ median('us_from_entry') }} / 1e6 as median_seconds_from_entry,
        {{ quantile_cont('us_from_entry', 0.9) }} / 1e6 as p90_seconds_from_entry

    from gaps
    where step_index > 1
    group by 1, 2

),

named as (

    select
        summarised.funnel_name,
        summarised.step_index,
        funnel_steps.step_name,
        {{ funnel_step_label('funnels.order_mode', 'summarised.step_index', 'funnel_steps.step_name') }}
            as step_label,
        summarised.persons_reached,
        summarised.avg_seconds_from_previous,
        summarised.median_seconds_from_previous,
        summarised.p90_seconds_from_previous,
        summarised.avg_seconds_from_entry,
        summarised.median_seconds_from_entry,
        summarised.p90_seconds_from_entry

    from summarised
    inner join funnels on funnels.funnel_name = summarised.funnel_name
    inner join funnel_steps
        on funnel_steps.funnel_name = summarised.funnel_name
        and funnel_steps.step_index = summarised.step_index

)

select * from named
