{#- Each funnel over all entry days: persons reaching each step and the conversion from the previous
    and from the first step (rule 15, PostHog funnelUtils: 0 when the base is 0), counted from
    fct_funnel_steps (one row per funnel x person x step reached) so every funnel rate is computed
    in dbt (the demo summary and the report read this). step_label is how a person reads the step:
    in any-order funnels step k is "k distinct steps done", whichever they were. -#}
with

funnel_steps_reached as (

    select * from {{ ref('fct_funnel_steps') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

funnel_steps as (

    select * from {{ ref('stg_config__funnel_steps') }}

),

counted as (

    select
        funnel_name,
        step_index,
        count(*) as persons_reached

    from funnel_steps_reached
    group by funnel_name, step_index

),

entered_funnels as (

    select distinct funnel_name from counted

),

totals as (

    select
        funnel_steps.funnel_name,
        funnel_steps.step_index,
        funnel_steps.step_name,
        coalesce(counted.persons_reached, 0)::bigint as persons_reached

    from funnel_steps
    inner join entered_funnels
        on entered_funnels.funnel_name = funnel_steps.funnel_name
    left join counted
        on counted.funnel_name = funnel_steps.funnel_name
        and counted.step_index = funnel_steps.step_index

),

rates as (

    select
        totals.funnel_name,
        totals.step_index,
        totals.step_name,
        {{ funnel_step_label('funnels.order_mode', 'totals.step_index', 'totals.step_name') }} as step_label,
        funnels.order_mode,
        totals.persons_reached,
        coalesce(
            totals.persons_reached / nullif(lag(totals.persons_reached, 1, totals.persons_reached) over funnel, 0), 0
        )::double as conversion_from_previous,
        coalesce(totals.persons_reached / nullif(first_value(totals.persons_reached) over funnel, 0), 0)::double
            as conversion_from_first

    from totals
    inner join funnels on funnels.funnel_name = totals.funnel_name
    window funnel as (partition by totals.funnel_name order by totals.step_index)

)

select * from rates
