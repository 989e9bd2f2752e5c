{#- Each audience rule on each person with an occurrence of its conversion up to as_of. A rule's
    window is (as_of - within_seconds, as_of], all data when within_seconds is null. met_at: when an
    include rule was met by the occurrences inside its window (its at_least-th one); cleared_at: when
    an exclude rule with nothing inside its window stopped excluding (its last older occurrence left
    the window). -#}
with

rules as (

    select * from {{ ref('stg_config__audience_rules') }}

),

conversions as (

    select * from {{ ref('int_conversions_stitched') }}

),

as_of as (

    select * from {{ ref('int_audience_as_of') }}

),

occurrences as (

    select
        rules.audience_name,
        rules.rule_type,
        rules.rule_index,
        rules.at_least,
        rules.within_seconds,
        conversions.person_id,
        conversions.occurred_at,
        as_of.as_of,
        rules.within_seconds is null
        or conversions.occurred_at
        > {{ add_seconds('as_of.as_of', '-1 * rules.within_seconds') }} as is_in_window

    from rules
    inner join conversions on conversions.conversion_name = rules.conversion_name
    cross join as_of
    where conversions.occurred_at <= as_of.as_of

),

numbered as (

    select
        *,
        row_number() over (
            partition by audience_name, rule_type, rule_index, person_id, is_in_window
            order by occurred_at
        ) as occurrence_number

    from occurrences

),

evaluated as (

    select
        audience_name,
        rule_type,
        rule_index,
        person_id,
        as_of,
        within_seconds,
        count(case when is_in_window then 1 end) as occurrences_in_window,
        count(case when is_in_window then 1 end) >= max(at_least) as is_met,
        max(case when is_in_window and occurrence_number = at_least then occurred_at end) as nth_in_window_at,
        max(case when not is_in_window then occurred_at end) as last_before_window_at

    from numbered
    group by audience_name, rule_type, rule_index, person_id, as_of, within_seconds

),

dated as (

    select
        audience_name,
        rule_type,
        rule_index,
        person_id,
        as_of,
        occurrences_in_window,
        is_met,
        case when rule_type = 'include' then nth_in_window_at end as met_at,
        case
            when rule_type = 'exclude' and not is_met
                then {{ add_seconds('last_before_window_at', 'within_seconds') }}
        end as cleared_at

    from evaluated

)

select * from dated
