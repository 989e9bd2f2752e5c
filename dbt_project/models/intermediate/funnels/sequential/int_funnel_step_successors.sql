{#- For every occurrence of step j (j below the last step) of an ordered or strict funnel, the
    first occurrence of step j+1 strictly later in the processing order: the event a journey
    waiting at step j would take next. One window pass per step pair, no range join. -#}
{{ config(materialized='view') }}
{#- A view, the exception to the folder's tables: int_funnel_journey_steps alone reads it, so it is inlined there, never written. -#}
with

occurrences as (

    select * from {{ ref('int_funnel_step_occurrences_ordered') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

sequential_occurrences as (

    select occurrences.*, funnels.step_count
    from occurrences
    inner join funnels on funnels.funnel_key = occurrences.funnel_key
    where funnels.order_mode in ('ordered', 'strict')

),

anchors_and_targets as (

    -- role 0 = a candidate step j+1 event, 1 = a step j event looking for it; at one position
    -- the candidate sorts first, so an event never succeeds itself
    select *, step_index + 1 as target_step_index, 1 as role
    from sequential_occurrences
    where step_index < step_count
    union all
    select *, step_index as target_step_index, 0 as role
    from sequential_occurrences
    where step_index > 1

),

next_targets as (

    select
        *,
        {{ first_value_ignore_nulls('case when role = 0 then event_pos end') }} over later_targets
            as next_event_pos,
        {{ first_value_ignore_nulls('case when role = 0 then event_ts_us end') }} over later_targets
            as next_event_ts_us,
        {{ first_value_ignore_nulls('case when role = 0 then event_seq end') }} over later_targets
            as next_event_seq

    from anchors_and_targets
    window later_targets as (
        partition by funnel_person_key, target_step_index
        order by event_pos, role
        rows between 1 following and unbounded following
    )

),

successors as (

    select
        funnel_key,
        person_key,
        step_index,
        event_pos,
        event_ts_us,
        next_exclusion_ts_us,
        next_event_pos,
        next_event_ts_us,
        next_event_seq,
        funnel_person_key,
        event_seq

    from next_targets
    where role = 1

)

select * from successors
