{#- What each funnel step and exclusion name means (DESIGN.md section 6): a micro-conversion of
    the catalog (its occurrences), `purchase` (the macro rows), or else any GA4 event name.
    funnel_key numbers the funnels (1, 2, ...) for the engine's integer keys; order_mode rides
    along so that a model reading one mode's occurrences filters them at the source. -#}
with

funnel_steps as (

    select * from {{ ref('stg_config__funnel_steps') }}

),

funnel_exclusions as (

    select * from {{ ref('stg_config__funnel_exclusions') }}

),

micro_conversions as (

    select * from {{ ref('stg_config__micro_conversions') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

matchers as (

    select funnel_name, step_index, step_name, false as is_exclusion
    from funnel_steps
    union all
    select funnel_name, null as step_index, step_name, true as is_exclusion
    from funnel_exclusions

),

resolved as (

    select
        matchers.funnel_name,
        dense_rank() over (order by matchers.funnel_name) as funnel_key,
        matchers.step_index,
        matchers.step_name,
        matchers.is_exclusion,
        funnels.order_mode,
        case
            when micro_conversions.conversion_name is not null then 'micro_conversion'
            when matchers.step_name = 'purchase' then 'macro'
            else 'event'
        end as matcher_source

    from matchers
    inner join funnels on funnels.funnel_name = matchers.funnel_name
    left join micro_conversions on micro_conversions.conversion_name = matchers.step_name

)

select * from resolved
