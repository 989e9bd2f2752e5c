-- Fails when the trend table's entered/converted persons per funnel and day differ from the daily
-- table's step 1 and last-step counts. A failure means the two public views of one funnel disagree.
{{ config(meta={'dagster': {'ref': {'name': 'fct_funnel_trends'}}}) }}
with

trends as (

    select * from {{ ref('fct_funnel_trends') }}

),

daily as (

    select
        funnel_daily.funnel_name,
        funnel_daily.date_day,
        sum(funnel_daily.persons_reached) filter (where funnel_daily.step_index = 1) as persons_entered,
        sum(funnel_daily.persons_reached) filter (where funnel_daily.step_index = funnels.step_count)
            as persons_converted

    from {{ ref('fct_funnel_daily') }} as funnel_daily
    inner join {{ ref('stg_config__funnels') }} as funnels on funnels.funnel_name = funnel_daily.funnel_name
    group by 1, 2

)

select trends.*
from trends
inner join daily
    on daily.funnel_name = trends.funnel_name
    and daily.date_day = trends.date_day
where trends.persons_entered <> daily.persons_entered
    or trends.persons_converted <> daily.persons_converted
