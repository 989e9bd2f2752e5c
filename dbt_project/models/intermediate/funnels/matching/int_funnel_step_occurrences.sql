{#- Every event that matches a funnel step or exclusion, once per funnel x event x step (and per
    exclusion entry: two exclusions may name one event with different filters and bounds). A
    step or exclusion with a `where` filter keeps only the events passing every condition
    (macros/property_filters.sql on stg_ga4__event_properties). The events' clock and order come
    from int_person_events, whatever the step's source.
    funnel_person_key (person_key * 65536 + funnel_key) is one integer per funnel x person: the
    engine's windows partition and its joins key on it instead of two strings. The rows carry
    no strings the engine does not compute with (funnel name, person id, event id): at 10M
    events they made its windows sort and spill about twice the bytes (DECISIONLOG, "The funnel
    engine carries integer keys"). -#}
{#- A table like the rest of the folder. It was a view (its two readers each read it once), but at
    10M events the ordering windows over the view's joins spilled to disk: 60 s + 12 s for the
    two readers against 10 + 6 + 3 s with it written once (DECISIONLOG, "Funnel occurrences are
    written once"). -#}
{#- What a match row carries: the matcher's keys and bounds, the event's keys and clock. -#}
{%- set match_columns -%}
        matchers.funnel_key,
        matchers.step_index,
        matchers.is_exclusion,
        matchers.exclusion_index,
        matchers.from_step_index,
        matchers.to_step_index,
        matchers.order_mode,
        matchers.has_filter,
        person_events.person_key,
        person_events.event_id,
        person_events.event_ts_us,
        person_events.event_seq
{%- endset %}
with

matchers as (

    select * from {{ ref('int_funnel_matchers_resolved') }}

),

all_person_events as {{ cte_materialization('not materialized') }} (

    -- inlined into each match below, so a branch with no matchers reads no events
    select * from {{ ref('int_person_events') }}

),

recompute_persons as (

    select * from {{ ref('int_funnel_recompute_persons') }}

),

micro_conversions as (

    select * from {{ ref('int_micro_conversions_stitched') }}

),

property_filters as (

    select * from {{ ref('stg_config__property_filters') }}
    where filter_owner in ('step', 'exclusion')

),

person_events as {{ cte_materialization('not materialized') }} (

    -- inlined into each match below, so a branch with no matchers reads no events
    select
        recompute_persons.person_key,
        all_person_events.event_id,
        all_person_events.event_ts_us,
        all_person_events.event_seq,
        all_person_events.event_name,
        all_person_events.is_macro

    from all_person_events
    inner join recompute_persons on recompute_persons.person_id = all_person_events.person_id

),

micro_conversion_matches as (

    -- one row per matcher x event: micro_conversion_id is md5(conversion_name | event_id)
    select {{ match_columns }}
    from matchers
    inner join micro_conversions on micro_conversions.conversion_name = matchers.step_name
    inner join person_events on person_events.event_id = micro_conversions.event_id
    where matchers.matcher_source = 'micro_conversion'

),

macro_matches as (

    select {{ match_columns }}
    from matchers
    inner join person_events on person_events.is_macro
    where matchers.matcher_source = 'macro'

),

event_name_matches as (

    select {{ match_columns }}
    from matchers
    inner join person_events
        on person_events.event_name = matchers.step_name
        and not person_events.is_macro
    where matchers.matcher_source = 'event'

),

matches as (

    -- the three sources are disjoint (matcher_source), so no row repeats
    select * from micro_conversion_matches
    union all
    select * from macro_matches
    union all
    select * from event_name_matches

),

matcher_conditions as (

    -- each condition of a filtered step or exclusion, keyed as its matches are
    select
        matchers.funnel_key,
        matchers.is_exclusion,
        property_filters.owner_index,
        {{ star_except(['funnel_name', 'filter_owner', 'owner_index'], 'property_filters') }}

    from matchers
    inner join property_filters
        on property_filters.funnel_name = matchers.funnel_name
        and property_filters.filter_owner = case when matchers.is_exclusion then 'exclusion' else 'step' end
        and property_filters.owner_index = coalesce(matchers.step_index, matchers.exclusion_index)

),

filter_checks as (

    -- each filtered match once per condition of its step or exclusion
    select
        matches.person_key,
        matches.event_seq,
        matches.event_id,
        matcher_conditions.*

    from matches
    inner join matcher_conditions
        on matcher_conditions.funnel_key = matches.funnel_key
        and matcher_conditions.is_exclusion = matches.is_exclusion
        and matcher_conditions.owner_index = coalesce(matches.step_index, matches.exclusion_index)
    where matches.has_filter

),

property_targets as (

    select distinct event_id, property_scope from filter_checks

),

event_properties as (

    -- only the export column each condition reads, only for its events (macros/property_filters.sql)
    select * from {{ event_properties_read_by('property_targets') }}

),

failing_filters as (

    -- filtered matches that fail at least one condition of their step or exclusion
    select distinct
        filter_checks.funnel_key,
        filter_checks.is_exclusion,
        filter_checks.owner_index,
        filter_checks.person_key,
        filter_checks.event_seq

    from filter_checks
    left join event_properties
        on event_properties.event_key = filter_checks.event_id
        and event_properties.property_scope = filter_checks.property_scope
    where not {{ property_condition_holds('event_properties', 'filter_checks') }}

),

passing_matches as (

    -- a match without a filter has no failing condition
    select matches.*
    from matches
    anti join failing_filters
        on failing_filters.funnel_key = matches.funnel_key
        and failing_filters.is_exclusion = matches.is_exclusion
        and failing_filters.owner_index = coalesce(matches.step_index, matches.exclusion_index)
        and failing_filters.person_key = matches.person_key
        and failing_filters.event_seq = matches.event_seq

),

occurrences as (

    -- integers only from here on (but order_mode, a short string): the names and ids are
    -- functions of funnel_key, person_key and event_seq, joined back once in fct_funnel_steps
    select
        event_ts_us,
        event_seq,
        step_index,
        is_exclusion,
        exclusion_index,
        from_step_index,
        to_step_index,
        order_mode,
        funnel_key,
        person_key,
        person_key * 65536 + funnel_key as funnel_person_key

    from passing_matches

)

select * from occurrences
