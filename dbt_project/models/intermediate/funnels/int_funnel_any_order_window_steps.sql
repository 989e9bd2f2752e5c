{#- Any-order funnels: every window starts at a timestamp where the person did some step, and
    holds the step events up to start + window (inclusive). For each window start and step,
    the first occurrence of that step inside the window: the events that "completed" it. -#}
with

occurrences as (

    select * from {{ ref('int_funnel_step_occurrences_ordered') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

funnel_steps as (

    select * from {{ ref('stg_config__funnel_steps') }}

),

any_order_occurrences as (

    select occurrences.*, funnels.window_seconds * 1000000 as window_us
    from occurrences
    inner join funnels on funnels.funnel_name = occurrences.funnel_name
    where funnels.order_mode = 'any'

),

window_starts as (

    select distinct funnel_name, person_id, event_ts_us as window_start_ts_us, window_us
    from any_order_occurrences

),

starts_and_targets as (

    -- role 0 = a window start looking for step k, 1 = an occurrence of step k; at one timestamp
    -- the start sorts first, so a window includes the events at its own start
    select
        window_starts.funnel_name,
        window_starts.person_id,
        funnel_steps.step_index,
        window_starts.window_start_ts_us as event_ts_us,
        null as event_pos,
        0 as role
    from window_starts
    inner join funnel_steps on funnel_steps.funnel_name = window_starts.funnel_name
    union all
    select funnel_name, person_id, step_index, event_ts_us, event_pos, 1 as role
    from any_order_occurrences

),

first_positions as (

    select
        funnel_name,
        person_id,
        step_index,
        event_ts_us as window_start_ts_us,
        role,
        min(case when role = 1 then event_pos end) over (
            partition by funnel_name, person_id, step_index
            order by event_ts_us, role
            rows between 1 following and unbounded following
        ) as first_event_pos

    from starts_and_targets

),

window_steps as (

    select
        window_starts.funnel_name,
        window_starts.person_id,
        window_starts.window_start_ts_us,
        first_positions.step_index,
        firsts.event_pos,
        firsts.event_ts_us,
        firsts.event_id

    from window_starts
    inner join first_positions
        on first_positions.funnel_name = window_starts.funnel_name
        and first_positions.person_id = window_starts.person_id
        and first_positions.window_start_ts_us = window_starts.window_start_ts_us
        and first_positions.role = 0
    inner join any_order_occurrences as firsts
        on firsts.funnel_name = first_positions.funnel_name
        and firsts.person_id = first_positions.person_id
        and firsts.step_index = first_positions.step_index
        and firsts.event_pos = first_positions.first_event_pos
    where firsts.event_ts_us <= window_starts.window_start_ts_us + window_starts.window_us

)

select * from window_steps
