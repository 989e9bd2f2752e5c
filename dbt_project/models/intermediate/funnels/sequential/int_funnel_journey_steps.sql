{#- The journeys of ordered and strict funnels, one step at a time (microfunnel/funnel_semantics.py
    `journeys`): every step-1 occurrence starts a journey; a journey waiting at step j takes the
    first later step j+1 event within the window of its entry (strict: with no other event in
    between), unless a newer journey reached step j before that event (the event goes to the
    newest journey waiting, as in PostHog). An exclusion strictly between the two steps lets
    the journey take the step but leaves it unstored: it goes no further and takes over nothing. -#}
with recursive

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

occurrences as (

    select * from {{ ref('int_funnel_step_occurrences_ordered') }}

),

successors as (

    select * from {{ ref('int_funnel_step_successors') }}

),

strict_breaks as (

    select * from {{ ref('int_funnel_strict_breaks') }}

),

links as materialized (

    -- computed once, not once per step of the recursion; a strict link broken by another
    -- event in between is no link
    select
        successors.funnel_person_key,
        successors.step_index,
        successors.event_pos,
        successors.next_exclusion_ts_us,
        successors.next_event_pos,
        successors.next_event_ts_us,
        successors.next_event_id,
        funnels.window_seconds * 1000000 as window_us

    from successors
    inner join funnels on funnels.funnel_name = successors.funnel_name
    left join strict_breaks
        on strict_breaks.funnel_person_key = successors.funnel_person_key
        and strict_breaks.event_seq = successors.event_seq
        and strict_breaks.step_index = successors.step_index
    where successors.next_event_pos is not null
        and (
            funnels.order_mode <> 'strict'
            or coalesce(strict_breaks.next_break_ts_us >= successors.next_event_ts_us, true)
        )

),

entries as (

    select
        occurrences.funnel_name,
        occurrences.person_id,
        occurrences.event_pos as entry_pos,
        occurrences.event_ts_us as entry_ts_us,
        occurrences.event_id as entry_event_id,
        occurrences.funnel_person_key

    from occurrences
    inner join funnels on funnels.funnel_name = occurrences.funnel_name
    where occurrences.step_index = 1 and funnels.order_mode in ('ordered', 'strict')

),

journey_steps as (

    select
        funnel_name,
        person_id,
        entry_pos,
        entry_ts_us,
        1 as step_index,
        entry_pos as event_pos,
        entry_ts_us as event_ts_us,
        entry_event_id as event_id,
        true as is_stored,
        funnel_person_key

    from entries

    union all

    select
        waiting.funnel_name,
        waiting.person_id,
        waiting.entry_pos,
        waiting.entry_ts_us,
        waiting.step_index + 1 as step_index,
        links.next_event_pos as event_pos,
        links.next_event_ts_us as event_ts_us,
        links.next_event_id as event_id,
        not coalesce(links.next_exclusion_ts_us < links.next_event_ts_us, false) as is_stored,
        waiting.funnel_person_key

    from (
        select
            *,
            lead(event_pos) over (partition by funnel_person_key order by entry_pos) as newer_arrival_pos
        from journey_steps
        where is_stored
    ) as waiting
    inner join links
        on links.funnel_person_key = waiting.funnel_person_key
        and links.step_index = waiting.step_index
        and links.event_pos = waiting.event_pos
    where links.next_event_ts_us - waiting.entry_ts_us <= links.window_us
        and (waiting.newer_arrival_pos is null or waiting.newer_arrival_pos >= links.next_event_pos)

)

select * from journey_steps
