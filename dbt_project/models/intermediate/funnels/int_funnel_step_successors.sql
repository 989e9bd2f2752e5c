{#- For every occurrence of step j (j below the last step) of an ordered or strict funnel, the
    first occurrence of step j+1 strictly later in the processing order: the event a journey
    waiting at step j would take next. One window pass per step pair, no range join. -#}
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
    inner join funnels on funnels.funnel_name = occurrences.funnel_name
    where funnels.order_mode in ('ordered', 'strict')

),

anchors_and_targets as (

    -- role 0 = a candidate step j+1 event, 1 = a step j event looking for it; at one position
    -- the candidate sorts first, so an event never succeeds itself
    select funnel_name, person_id, step_index + 1 as target_step_index, event_pos, 1 as role
    from sequential_occurrences
    where step_index < step_count
    union all
    select funnel_name, person_id, step_index as target_step_index, event_pos, 0 as role
    from sequential_occurrences
    where step_index > 1

),

next_positions as (

    select
        funnel_name,
        person_id,
        target_step_index - 1 as step_index,
        event_pos,
        role,
        min(case when role = 0 then event_pos end) over (
            partition by funnel_name, person_id, target_step_index
            order by event_pos, role
            rows between 1 following and unbounded following
        ) as next_event_pos

    from anchors_and_targets

),

successors as (

    select
        anchors.funnel_name,
        anchors.person_id,
        anchors.step_index,
        anchors.event_id,
        anchors.event_pos,
        anchors.event_ts_us,
        anchors.next_exclusion_ts_us,
        targets.event_pos as next_event_pos,
        targets.event_ts_us as next_event_ts_us,
        targets.event_id as next_event_id

    from sequential_occurrences as anchors
    inner join next_positions
        on next_positions.funnel_name = anchors.funnel_name
        and next_positions.person_id = anchors.person_id
        and next_positions.step_index = anchors.step_index
        and next_positions.event_pos = anchors.event_pos
        and next_positions.role = 1
    left join sequential_occurrences as targets
        on targets.funnel_name = anchors.funnel_name
        and targets.person_id = anchors.person_id
        and targets.step_index = anchors.step_index + 1
        and targets.event_pos = next_positions.next_event_pos

)

select * from successors
