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
    inner join funnels on funnels.funnel_key = occurrences.funnel_key
    where funnels.order_mode = 'any'

),

window_starts as (

    select distinct
        funnel_key,
        person_key,
        funnel_person_key,
        event_ts_us as window_start_ts_us,
        window_us

    from any_order_occurrences

),

starts_and_targets as (

    -- role 0 = a window start looking for step k, 1 = an occurrence of step k; at one timestamp
    -- the start sorts first, so a window includes the events at its own start
    select
        window_starts.funnel_key,
        window_starts.person_key,
        window_starts.funnel_person_key,
        window_starts.window_start_ts_us,
        window_starts.window_us,
        funnel_steps.step_index,
        window_starts.window_start_ts_us as event_ts_us,
        null as event_pos,
        null as event_seq,
        0 as role

    from window_starts
    inner join funnels on funnels.funnel_key = window_starts.funnel_key
    inner join funnel_steps on funnel_steps.funnel_name = funnels.funnel_name

    union all

    select
        funnel_key,
        person_key,
        funnel_person_key,
        null as window_start_ts_us,
        null as window_us,
        step_index,
        event_ts_us,
        event_pos,
        event_seq,
        1 as role

    from any_order_occurrences

),

first_occurrences as (

    select
        *,
        {{ first_value_ignore_nulls('case when role = 1 then event_pos end') }} over later_occurrences
            as first_event_pos,
        {{ first_value_ignore_nulls('case when role = 1 then event_ts_us end') }} over later_occurrences
            as first_event_ts_us,
        {{ first_value_ignore_nulls('case when role = 1 then event_seq end') }} over later_occurrences
            as first_event_seq

    from starts_and_targets
    window later_occurrences as (
        partition by funnel_person_key, step_index
        order by event_ts_us, role, event_pos
        rows between 1 following and unbounded following
    )

),

window_steps as (

    select
        funnel_key,
        person_key,
        window_start_ts_us,
        step_index,
        first_event_pos as event_pos,
        first_event_ts_us as event_ts_us,
        first_event_seq as event_seq,
        funnel_person_key

    from first_occurrences
    where role = 0 and first_event_ts_us <= window_start_ts_us + window_us

)

select * from window_steps
