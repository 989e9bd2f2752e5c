{#- Which window counts for each person of an any-order funnel (PostHog unordered_steps.rs): the
    earliest window with the most distinct steps, among windows no exclusion cut (an exclusion
    after the window's start and before it completed, or anywhere in an unfinished window).
    A person whose every window is cut is excluded. -#}
with

window_steps as (

    select * from {{ ref('int_funnel_any_order_window_steps') }}

),

occurrences as (

    select * from {{ ref('int_funnel_step_occurrences_ordered') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

start_exclusions as (

    select distinct
        occurrences.funnel_person_key,
        occurrences.event_ts_us,
        occurrences.next_exclusion_ts_us

    from occurrences
    inner join funnels on funnels.funnel_key = occurrences.funnel_key
    where funnels.order_mode = 'any'

),

windows as (

    select
        window_steps.funnel_person_key,
        window_steps.window_start_ts_us,
        any_value(window_steps.funnel_key) as funnel_key,
        any_value(window_steps.person_key) as person_key,
        count(*) as steps_reached,
        case
            when count(*) = any_value(funnels.step_count) then max(window_steps.event_ts_us)
            else window_steps.window_start_ts_us + any_value(funnels.window_seconds) * 1000000 + 1
        end as cut_before_ts_us

    from window_steps
    inner join funnels on funnels.funnel_key = window_steps.funnel_key
    group by 1, 2

),

windows_checked as (

    select
        windows.*,
        coalesce(start_exclusions.next_exclusion_ts_us < windows.cut_before_ts_us, false) as is_cut

    from windows
    inner join start_exclusions
        on start_exclusions.funnel_person_key = windows.funnel_person_key
        and start_exclusions.event_ts_us = windows.window_start_ts_us

),

ranked as (

    select
        *,
        row_number() over (
            partition by funnel_person_key
            order by is_cut, steps_reached desc, window_start_ts_us
        ) as window_rank

    from windows_checked

),

results as (

    select
        funnel_key,
        person_key,
        funnel_person_key,
        case when is_cut then null else window_start_ts_us end as window_start_ts_us,
        case when is_cut then 0 else steps_reached end as steps_reached,
        is_cut as is_excluded

    from ranked
    where window_rank = 1

)

select * from results
