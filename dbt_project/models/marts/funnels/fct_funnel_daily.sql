{#- Funnel counts by entry day and the entry session's channel, campaign and device: persons who
    entered, persons who reached each step, and the conversion from the previous and from the
    first step (PostHog funnelUtils: 0 when the base is 0). A person counts once, on the day of
    the journey that counts, and at every step up to the furthest they reached. That day is the
    entry session's day (fct_sessions.date_day): a session crossing midnight stays on the day it
    started, so the tail of the last day's sessions opens no day past the data. -#}
with

funnel_steps_reached as (

    select * from {{ ref('fct_funnel_steps') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

funnel_steps as (

    select * from {{ ref('stg_config__funnel_steps') }}

),

persons_broken_down as (

    select
        funnel_steps_reached.funnel_name,
        funnel_steps_reached.person_id,
        funnel_steps_reached.step_index,
        coalesce(sessions.date_day, {{ to_reporting_date('funnel_steps_reached.entered_at') }}) as date_day,
        coalesce(sessions.channel, '(not set)') as channel,
        coalesce(sessions.campaign, '(not set)') as campaign,
        coalesce(sessions.device_category, '(not set)') as device_category

    from funnel_steps_reached
    left join sessions on sessions.session_id = funnel_steps_reached.entry_session_id

),

breakdowns as (

    select distinct funnel_name, date_day, channel, campaign, device_category
    from persons_broken_down

),

grid as (

    select breakdowns.*, funnel_steps.step_index
    from breakdowns
    inner join funnel_steps on funnel_steps.funnel_name = breakdowns.funnel_name

),

counted as (

    select
        grid.funnel_name,
        grid.date_day,
        grid.channel,
        grid.campaign,
        grid.device_category,
        grid.step_index,
        count(persons_broken_down.person_id) as persons_reached

    from grid
    left join persons_broken_down
        on persons_broken_down.funnel_name = grid.funnel_name
        and persons_broken_down.date_day = grid.date_day
        and persons_broken_down.channel = grid.channel
        and persons_broken_down.campaign = grid.campaign
        and persons_broken_down.device_category = grid.device_category
        and persons_broken_down.step_index = grid.step_index
    group by 1, 2, 3, 4, 5, 6

),

rates as (

    select
        funnel_name,
        date_day,
        channel,
        campaign,
        device_category,
        step_index,
        first_value(persons_reached) over breakdown as persons_entered,
        persons_reached,
        coalesce(
            persons_reached / nullif(lag(persons_reached, 1, persons_reached) over breakdown, 0), 0
        )::double as conversion_from_previous,
        coalesce(persons_reached / nullif(first_value(persons_reached) over breakdown, 0), 0)::double
            as conversion_from_first

    from counted
    window breakdown as (
        partition by funnel_name, date_day, channel, campaign, device_category
        order by step_index
    )

)

select * from rates
