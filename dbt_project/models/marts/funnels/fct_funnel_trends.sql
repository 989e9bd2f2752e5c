{#- Conversion by entry day (PostHog funnel trends): per funnel and day, the persons whose counted
    journey entered that day and how many of them reached the last step. -#}
with

funnel_daily as (

    select * from {{ ref('fct_funnel_daily') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

by_day as (

    select
        funnel_daily.funnel_name,
        funnel_daily.date_day,
        sum(case when funnel_daily.step_index = 1 then funnel_daily.persons_reached end)::bigint as persons_entered,
        sum(case when funnel_daily.step_index = funnels.step_count then funnel_daily.persons_reached end)::bigint
            as persons_converted

    from funnel_daily
    inner join funnels on funnels.funnel_name = funnel_daily.funnel_name
    group by 1, 2

),

rated as (

    select
        *,
        coalesce(persons_converted / nullif(persons_entered, 0), 0)::double as conversion_rate

    from by_day

)

select * from rated
