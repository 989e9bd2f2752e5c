{#- Which journey counts for each person of an ordered or strict funnel (PostHog's max_step):
    the first clean journey to reach the furthest step any journey reached; when no clean
    journey gets that far the person is excluded and appears at no step. -#}
{{ config(materialized='view') }}
{#- A view, the exception to the folder's tables: fct_funnel_steps alone reads it, so it is inlined there, never written. -#}
with

journeys as (

    select * from {{ ref('int_funnel_journeys') }}

),

counted as (

    -- the journey that counts: the furthest, then clean before excluded, then the first to
    -- get there (one aggregate instead of a window per rule)
    select
        funnel_person_key,
        any_value(funnel_key) as funnel_key,
        any_value(person_key) as person_key,
        {{ funnel_journey_that_counts() }} as journey

    from journeys
    group by funnel_person_key

),

results as (

    select
        funnel_key,
        person_key,
        funnel_person_key,
        case when journey.is_excluded then null else journey.entry_pos end as entry_pos,
        case when journey.is_excluded then 0 else journey.steps_reached end as steps_reached,
        journey.is_excluded

    from counted

)

select * from results
