{#- One row per journey of an ordered or strict funnel: how far it got and whether an exclusion
    hit it, between two of its steps or after its last one within the window (strict: before
    its run broke). See microfunnel/funnel_semantics.py `_excluded_after_last_step`. -#}
{{ config(materialized='view') }}
{#- A view, the exception to the folder's tables: int_funnel_sequential_results alone reads it, so it is inlined there, never written. -#}
with

journey_steps as (

    select * from {{ ref('int_funnel_journey_steps') }}

),

occurrences as (

    select * from {{ ref('int_funnel_step_occurrences_ordered') }}

),

strict_breaks as (

    select * from {{ ref('int_funnel_strict_breaks') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

last_steps as (

    select
        journey_steps.*,
        row_number() over (
            partition by funnel_person_key, entry_pos order by step_index desc
        ) as steps_from_last

    from journey_steps

),

journeys as (

    select
        last_steps.funnel_key,
        last_steps.person_key,
        last_steps.funnel_person_key,
        last_steps.entry_pos,
        last_steps.entry_ts_us,
        last_steps.step_index as steps_reached,
        last_steps.event_pos as last_event_pos,
        not last_steps.is_stored as is_excluded_between_steps,
        last_steps.step_index < funnels.step_count
            and last_steps.is_stored
            and occurrences.next_exclusion_ts_us <= last_steps.entry_ts_us + funnels.window_seconds * 1000000
            and (
                funnels.order_mode <> 'strict'
                or strict_breaks.next_tail_break_ts_us is null
                or occurrences.next_exclusion_ts_us < strict_breaks.next_tail_break_ts_us
            ) as is_excluded_after_last_step

    from last_steps
    inner join funnels on funnels.funnel_key = last_steps.funnel_key
    inner join occurrences
        on occurrences.funnel_person_key = last_steps.funnel_person_key
        and occurrences.event_pos = last_steps.event_pos
        and occurrences.step_index = last_steps.step_index
    left join strict_breaks
        on strict_breaks.funnel_person_key = last_steps.funnel_person_key
        and strict_breaks.event_seq = occurrences.event_seq
        and strict_breaks.step_index = last_steps.step_index
    where last_steps.steps_from_last = 1

),

flagged as (

    select
        {{ star_except(['is_excluded_between_steps', 'is_excluded_after_last_step']) }},
        is_excluded_between_steps or coalesce(is_excluded_after_last_step, false) as is_excluded

    from journeys

)

select * from flagged
