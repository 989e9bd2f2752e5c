{#- What each funnel step and exclusion name means (DESIGN.md section 6): a micro-conversion of
    the catalog (its occurrences), `purchase` (the macro rows), or else any GA4 event name;
    has_filter when it carries a `where` filter (stg_config__property_filters), and for an
    exclusion the steps it applies between (from_step_index .. to_step_index, 1-based).
    funnel_key (stg_config__funnels) is the engine's integer for the funnel; order_mode rides
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

property_filters as (

    select * from {{ ref('stg_config__property_filters') }}

),

filtered_owners as (

    select distinct funnel_name, filter_owner, owner_index
    from property_filters
    where filter_owner in ('step', 'exclusion')

),

matchers as (

    select
        funnel_name,
        step_index,
        step_name,
        false as is_exclusion,
        null::bigint as exclusion_index,
        null::bigint as from_step_index,
        null::bigint as to_step_index
    from funnel_steps
    union all
    select
        funnel_name,
        null as step_index,
        step_name,
        true as is_exclusion,
        exclusion_index,
        from_step_index,
        to_step_index
    from funnel_exclusions

),

resolved as (

    select
        matchers.funnel_name,
        funnels.funnel_key,
        matchers.step_index,
        matchers.step_name,
        matchers.is_exclusion,
        matchers.exclusion_index,
        matchers.from_step_index,
        matchers.to_step_index,
        filtered_owners.funnel_name is not null as has_filter,
        funnels.order_mode,
        case
            when micro_conversions.conversion_name is not null then 'micro_conversion'
            when matchers.step_name = 'purchase' then 'macro'
            else 'event'
        end as matcher_source

    from matchers
    inner join funnels on funnels.funnel_name = matchers.funnel_name
    left join micro_conversions on micro_conversions.conversion_name = matchers.step_name
    left join filtered_owners
        on filtered_owners.funnel_name = matchers.funnel_name
        and filtered_owners.filter_owner = case when matchers.is_exclusion then 'exclusion' else 'step' end
        and filtered_owners.owner_index = coalesce(matchers.step_index, matchers.exclusion_index)

)

select * from resolved
