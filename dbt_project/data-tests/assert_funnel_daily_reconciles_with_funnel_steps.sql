-- Fails when fct_funnel_daily's counts do not add up to fct_funnel_steps: each funnel x step
-- must have as many persons in the daily table (summed over days and breakdowns) as it has rows
-- in fct_funnel_steps. A failure means a person was lost or double-counted by the breakdown join.
{{ config(meta={'dagster': {'ref': {'name': 'fct_funnel_daily'}}}) }}
with

daily as (

    select funnel_name, step_index, sum(persons_reached) as persons_reached
    from {{ ref('fct_funnel_daily') }}
    group by 1, 2

),

steps as (

    select funnel_name, step_index, count(*) as persons_reached
    from {{ ref('fct_funnel_steps') }}
    group by 1, 2

),

compared as (

    select
        coalesce(daily.funnel_name, steps.funnel_name) as funnel_name,
        coalesce(daily.step_index, steps.step_index) as step_index,
        coalesce(daily.persons_reached, 0) as daily_persons,
        coalesce(steps.persons_reached, 0) as step_persons

    from daily
    full outer join steps
        on steps.funnel_name = daily.funnel_name
        and steps.step_index = daily.step_index

)

select * from compared
where daily_persons <> step_persons
