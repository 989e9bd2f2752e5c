{#- Each step occurrence with its event's place in the funnel's processing order: by time, then
    lowest matched step (PostHog takes same-timestamp events in step order), then event_seq;
    and the first exclusion strictly after it, which decides the exclusion rules. -#}
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
        event_seq,
        min(step_index) as lowest_step_index,
        bool_or(is_exclusion) as is_exclusion

    from occurrences
    group by 1, 2, 3, 4, 5

),

events_ranked as (

    select
        *,
        case when lowest_step_index is not null then row_number() over (
            partition by funnel_name, person_id, lowest_step_index is not null
            order by event_ts_us, lowest_step_index, event_seq
        ) end as event_pos,
        min(case when is_exclusion then event_ts_us end) over (
            partition by funnel_name, person_id
            order by event_ts_us
            range between 1 following and unbounded following
        ) as next_exclusion_ts_us

    from events_lowest_step

),

step_occurrences as (

    select
        occurrences.funnel_name,
        occurrences.person_id,
        occurrences.event_id,
        occurrences.event_ts_us,
        occurrences.step_index,
        events_ranked.event_pos,
        events_ranked.next_exclusion_ts_us

    from occurrences
    inner join events_ranked
        on events_ranked.funnel_name = occurrences.funnel_name
        and events_ranked.event_id = occurrences.event_id
    where not occurrences.is_exclusion

)

select * from step_occurrences
