-- Fails when a person's counted journey breaks the funnel's basic promises: steps 1..k without
-- gaps, ordered/strict steps never earlier than the previous one, every step within the
-- conversion window of the entry (inclusive). A failure means the engine built an impossible journey.
{{ config(meta={'dagster': {'ref': {'name': 'fct_funnel_steps'}}}) }}
with

steps as (

    select * from {{ ref('fct_funnel_steps') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

checked as (

    select
        steps.funnel_name,
        steps.person_id,
        steps.step_index,
        steps.step_index <> row_number() over journey as has_gap,
        steps.reached_ts_us < lag(steps.reached_ts_us) over journey as is_out_of_order,
        steps.reached_ts_us - steps.entered_ts_us > funnels.window_seconds * 1000000 as is_outside_window

    from steps
    inner join funnels on funnels.funnel_name = steps.funnel_name
    window journey as (partition by steps.funnel_name, steps.person_id order by steps.step_index)

)

select * from checked
where has_gap or coalesce(is_out_of_order, false) or is_outside_window
