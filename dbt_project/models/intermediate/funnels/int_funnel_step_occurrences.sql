{#- Every event that matches a funnel step or exclusion, once per funnel x event x step. The
    events' clock and order come from int_person_events, whatever the step's source. -#}
with

matchers as (

    select * from {{ ref('int_funnel_matchers_resolved') }}

),

all_person_events as (

    select * from {{ ref('int_person_events') }}

),

recompute_persons as (

    select * from {{ ref('int_funnel_recompute_persons') }}

),

person_events as (

    select all_person_events.*
    from all_person_events
    inner join recompute_persons on recompute_persons.person_id = all_person_events.person_id

),

micro_conversions as (

    select * from {{ ref('fct_micro_conversions') }}

),

micro_conversion_matches as (

    select matchers.*, micro_conversions.event_id
    from matchers
    inner join micro_conversions
        on micro_conversions.conversion_name = matchers.step_name
        and micro_conversions.kind <> 'macro'
    where matchers.matcher_source = 'micro_conversion'

),

macro_matches as (

    select matchers.*, person_events.event_id
    from matchers
    inner join person_events on person_events.is_macro
    where matchers.matcher_source = 'macro'

),

event_name_matches as (

    select matchers.*, person_events.event_id
    from matchers
    inner join person_events
        on person_events.event_name = matchers.step_name
        and not person_events.is_macro
    where matchers.matcher_source = 'event'

),

matches as (

    select * from micro_conversion_matches
    union
    select * from macro_matches
    union
    select * from event_name_matches

),

occurrences as (

    select
        matches.funnel_name,
        person_events.person_id,
        person_events.event_id,
        person_events.event_ts_us,
        person_events.event_seq,
        matches.step_index,
        matches.step_name,
        matches.is_exclusion

    from matches
    inner join person_events on person_events.event_id = matches.event_id

)

select * from occurrences
