{#- Which journey counts for each person of an ordered or strict funnel (PostHog's max_step):
    the first clean journey to reach the furthest step any journey reached; when no clean
    journey gets that far the person is excluded and appears at no step. -#}
{{ config(materialized='view') }}
with

journeys as (

    select * from {{ ref('int_funnel_journeys') }}

),

furthest as (

    select
        *,
        max(steps_reached) over (partition by funnel_person_key) as furthest_step

    from journeys

),

candidates as (

    select
        *,
        row_number() over (
            partition by funnel_person_key
            order by is_excluded, last_event_pos
        ) as candidate_rank

    from furthest
    where steps_reached = furthest_step

),

results as (

    select
        funnel_name,
        person_id,
        funnel_person_key,
        case when is_excluded then null else entry_pos end as entry_pos,
        case when is_excluded then 0 else steps_reached end as steps_reached,
        is_excluded

    from candidates
    where candidate_rank = 1

)

select * from results
