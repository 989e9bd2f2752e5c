{#- Funnels split by any property (conversions.yml `breakdown:`): persons per step per breakdown
    value. A person's value is read on the entry event of their counted journey (PostHog's
    default breakdown attribution, "first touch" of the funnel; the counted journey rather than
    the earliest funnel event, as in DECISIONLOG rule 19). Several paths make one value, joined
    with ' | ' in the order written; a missing property is '(none)'; for item.<field> the first
    item's value counts. Values past the funnel's breakdown_limit, ranked by persons at the last
    step, then at earlier steps, then by value, are 'Other'. Funnels without `breakdown:` have no
    rows; their channel, campaign and device splits stay in fct_funnel_daily. -#}
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

breakdowns as (

    select * from {{ ref('stg_config__funnel_breakdowns') }}

),

entries as (

    select funnel_name, person_id, entry_event_id
    from funnel_steps_reached
    where step_index = 1

),

property_targets as (

    select distinct entries.entry_event_id as event_id, breakdowns.property_scope
    from entries
    inner join breakdowns on breakdowns.funnel_name = entries.funnel_name

),

event_properties as (

    select * from {{ event_properties_read_by('property_targets') }}

),

entry_values as (

    select
        entries.funnel_name,
        entries.person_id,
        {{ string_agg_ordered('breakdowns.property_path', "' | '", 'breakdowns.breakdown_index') }} as breakdown_path,
        {{ string_agg_ordered(
            "coalesce(" ~ list_first(property_values('event_properties', 'breakdowns')) ~ ", '(none)')",
            "' | '",
            'breakdowns.breakdown_index'
        ) }} as breakdown_value

    from entries
    inner join breakdowns on breakdowns.funnel_name = entries.funnel_name
    left join event_properties
        on event_properties.event_key = entries.entry_event_id
        and event_properties.property_scope = breakdowns.property_scope
    group by entries.funnel_name, entries.person_id

),

reached_by_value as (

    select
        entry_values.funnel_name,
        entry_values.breakdown_path,
        entry_values.breakdown_value,
        funnel_steps_reached.step_index,
        count(*) as persons_reached

    from entry_values
    inner join funnel_steps_reached
        on funnel_steps_reached.funnel_name = entry_values.funnel_name
        and funnel_steps_reached.person_id = entry_values.person_id
    group by all

),

persons_by_value as (

    -- every step of every value, 0 where nobody of that value got there
    select
        values_seen.funnel_name,
        values_seen.breakdown_path,
        values_seen.breakdown_value,
        funnel_steps.step_index,
        coalesce(reached_by_value.persons_reached, 0) as persons_reached

    from (select distinct funnel_name, breakdown_path, breakdown_value from reached_by_value) as values_seen
    inner join funnel_steps on funnel_steps.funnel_name = values_seen.funnel_name
    left join reached_by_value  -- noqa: AL04
        on reached_by_value.funnel_name = values_seen.funnel_name
        and reached_by_value.breakdown_value = values_seen.breakdown_value
        and reached_by_value.step_index = funnel_steps.step_index

),

value_ranks as (

    -- one rank per value: persons at each step from the last backwards, as a sort key list
    select
        funnel_name,
        breakdown_value,
        row_number() over (
            partition by funnel_name
            order by {{ list_ordered_by('persons_reached', 'step_index', descending=true) }} desc, breakdown_value
        ) as value_rank

    from persons_by_value
    group by funnel_name, breakdown_value

),

bucketed as (

    select
        persons_by_value.funnel_name,
        persons_by_value.breakdown_path,
        case when value_ranks.value_rank <= funnels.breakdown_limit then persons_by_value.breakdown_value
            else 'Other' end as breakdown_value,
        persons_by_value.step_index,
        sum(persons_by_value.persons_reached) as persons_reached

    from persons_by_value
    inner join value_ranks
        on value_ranks.funnel_name = persons_by_value.funnel_name
        and value_ranks.breakdown_value = persons_by_value.breakdown_value
    inner join funnels on funnels.funnel_name = persons_by_value.funnel_name
    group by all

),

rates as (

    select
        bucketed.funnel_name,
        bucketed.breakdown_path,
        bucketed.breakdown_value,
        bucketed.step_index,
        funnel_steps.step_name,
        bucketed.persons_reached,
        case
            when bucketed.step_index = 1 then 1.0
            else coalesce(bucketed.persons_reached / nullif(lag(bucketed.persons_reached) over breakdown_steps, 0), 0)
        end::double as conversion_from_previous,
        coalesce(
            bucketed.persons_reached / nullif(first_value(bucketed.persons_reached) over breakdown_steps, 0), 0
        )::double
            as conversion_from_first

    from bucketed
    inner join funnel_steps
        on funnel_steps.funnel_name = bucketed.funnel_name
        and funnel_steps.step_index = bucketed.step_index
    window breakdown_steps as (partition by bucketed.funnel_name, bucketed.breakdown_value order by bucketed.step_index)

)

select * from rates
