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

links as {{ cte_materialization('materialized') }} (

    -- computed once, not once per step of the recursion; a strict link broken by another
    -- event in between is no link
    select
        successors.funnel_person_key,
        successors.step_index,
        successors.event_pos,
        successors.next_exclusion_ts_us,
        successors.next_event_pos,
        successors.next_event_ts_us,
        successors.next_event_seq,
        funnels.window_seconds * 1000000 as window_us

    from successors
    inner join funnels on funnels.funnel_key = successors.funnel_key
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
        occurrences.funnel_key,
        occurrences.person_key,
        occurrences.event_pos as entry_pos,
        occurrences.event_ts_us as entry_ts_us,
        occurrences.event_seq as entry_event_seq,
        occurrences.funnel_person_key

    from occurrences
    inner join funnels on funnels.funnel_key = occurrences.funnel_key
    where occurrences.step_index = 1 and funnels.order_mode in ('ordered', 'strict')

),

-- macros/funnels.sql: the step-1 rows of the entries, then one step at a time (a recursive CTE;
-- on Spark unrolled, one CTE per step)
{{ funnel_journey_steps('entries', 'links', ref('stg_config__funnels')) }}

select * from journey_steps
