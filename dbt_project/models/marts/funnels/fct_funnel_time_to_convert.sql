{#- Time to convert per funnel step (step 2 onwards): from the previous step (PostHog's per-step
    average and median, which leave out zero gaps) and from the entry (all persons who reached
    the step), as average, median and 90th percentile seconds (interpolated, like ClickHouse). -#}
with

funnel_steps_reached as (

    select * from {{ ref('fct_funnel_steps') }}

),

gaps as (

    select
        funnel_name,
        step_index,
        step_name,
        (reached_ts_us - lag(reached_ts_us) over journey) / 1e6 as seconds_from_previous,
        (reached_ts_us - first_value(reached_ts_us) over journey) / 1e6 as seconds_from_entry

    from funnel_steps_reached
    window journey as (partition by funnel_name, person_id order by step_index)

),

summarised as (

    select
        funnel_name,
        step_index,
        any_value(step_name) as step_name,
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

)

select * from summarised
