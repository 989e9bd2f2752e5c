{#- Each step occurrence with its event's place in the funnel's processing order: by time, then
    lowest matched step (PostHog takes same-timestamp events in step order), then event_seq;
    and the first exclusion strictly after it, which decides the exclusion rules. One sort of
    the person's step and exclusion rows gives both (event_seq is unique per person). -#}
with

occurrences as (

    select * from {{ ref('int_funnel_step_occurrences') }}

),

events_lowest_step as (

    select
        funnel_name,
        person_id,
        event_id,
        event_ts_us,
        step_index,
        funnel_person_key,
        event_seq,
        -- role 0 = an exclusion, 1 = a step occurrence
        case when is_exclusion then 0 else 1 end as role,
        -- an event's rows are the peers of (event_ts_us, event_seq); exclusion rows have no step
        min(step_index) over (
            partition by funnel_person_key
            order by event_ts_us, event_seq
            groups between current row and current row
        ) as lowest_step_index

    from occurrences

),

ordered as (

    select
        funnel_name,
        person_id,
        event_id,
        event_ts_us,
        step_index,
        role,
        -- an event's step rows are adjacent here and its lowest step's row comes first
        count(case when step_index = lowest_step_index then 1 end) over (
            processing_order rows between unbounded preceding and current row
        ) as event_pos,
        -- at one timestamp the exclusions sort first, so the rows after a step occurrence hold
        -- only strictly later exclusions
        min(case when role = 0 then event_ts_us end) over (
            processing_order rows between 1 following and unbounded following
        ) as next_exclusion_ts_us,
        funnel_person_key,
        event_seq

    from events_lowest_step
    window processing_order as (
        partition by funnel_person_key
        order by event_ts_us, role, lowest_step_index, event_seq, step_index
    )

),

step_occurrences_ordered as (

    select * exclude (role)
    from ordered
    where role = 1

)

select * from step_occurrences_ordered
