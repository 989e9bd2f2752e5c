{#- Time to convert per funnel step (step 2 onwards): from the previous step (PostHog's per-step
    average and median, which leave out zero gaps) and from the entry (all persons who reached
    the step), as average, median and 90th percentile seconds (interpolated, like ClickHouse).
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
        (reached_ts_us - lag(reached_ts_us) over journey) / 1e6 as seconds_from_previous,
        (reached_ts_us - first_value(reached_ts_us) over journey) / 1e6 as seconds_from_entry

    from funnel_steps_reached
    window journey as (partition by funnel_name, person_id order by step_index)

),

summarised as (

    select
        funnel_name,
        step_index,
        count(*) as persons_reached,
        avg(seconds_from_previous) filter (where seconds_from_previous > 0) as avg_seconds_from_previous,
        median(seconds_from_previous) filter (where seconds_from_previous > 0) as median_seconds_from_previous,
        quantile_cont(seconds_from_previous, 0.9) filter (where seconds_from_previous > 0)
            as p90_seconds_from_previous,
        avg(seconds_from_entry) as avg_seconds_from_entry,
        median(seconds_from_entry) as median_seconds_from_entry,
        quantile_cont(seconds_from_entry, 0.9) as p90_seconds_from_entry

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
