{#- Strict funnels: for every step occurrence, the first later timestamp at which the person did
    something other than repeat that step (which breaks a run waiting there), and the same
    ignoring exclusion events that apply at that step (which ends the span in which such an
    exclusion still counts; an exclusion bounded to other steps is just another event).
    Events sharing the occurrence's timestamp never break it (see DECISIONLOG, funnel ties). -#}
with

occurrences as (

    select * from {{ ref('int_funnel_step_occurrences') }}

),

person_events as (

    select * from {{ ref('int_person_events') }}

),

recompute_persons as (

    select * from {{ ref('int_funnel_recompute_persons') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

funnel_steps as (

    select * from {{ ref('stg_config__funnel_steps') }}

),

strict_occurrences as (

    select *
    from occurrences
    where order_mode = 'strict'

),

strict_persons as (

    select funnel_keys.*, funnels.funnel_name, recompute_persons.person_id
    from (
        select distinct funnel_key, person_key, funnel_person_key
        from strict_occurrences
    ) as funnel_keys
    inner join funnels on funnels.funnel_key = funnel_keys.funnel_key
    inner join recompute_persons on recompute_persons.person_key = funnel_keys.person_key

),

step_matches as (

    select distinct funnel_person_key, event_seq, step_index
    from strict_occurrences
    where not is_exclusion

),

exclusion_matches as (

    -- the steps at which each exclusion event applies: from_step_index .. to_step_index - 1
    select distinct
        funnel_person_key,
        event_seq,
        {{ funnel_unnest_steps('from_step_index', 'to_step_index') }} as step_index
    from strict_occurrences
    where is_exclusion

),

strict_person_events as (

    select *
    from person_events
    where person_id in (select person_id from strict_persons)

),

events_by_step as (

    -- every event of a person in a strict funnel, once per step of that funnel
    select
        strict_persons.funnel_key,
        strict_persons.person_key,
        strict_person_events.event_ts_us,
        funnel_steps.step_index,
        step_matches.event_seq is not null as matches_step,
        exclusion_matches.event_seq is not null as is_exclusion,
        strict_persons.funnel_person_key,
        strict_person_events.event_seq

    from strict_persons
    inner join strict_person_events on strict_person_events.person_id = strict_persons.person_id
    inner join funnel_steps on funnel_steps.funnel_name = strict_persons.funnel_name
    left join step_matches
        on step_matches.funnel_person_key = strict_persons.funnel_person_key
        and step_matches.event_seq = strict_person_events.event_seq
        and step_matches.step_index = funnel_steps.step_index
    left join exclusion_matches
        on exclusion_matches.funnel_person_key = strict_persons.funnel_person_key
        and exclusion_matches.event_seq = strict_person_events.event_seq
        and exclusion_matches.step_index = funnel_steps.step_index

),

breaks as (

    select
        funnel_key,
        person_key,
        step_index,
        matches_step,
        min(case when not matches_step then event_ts_us end) over later_events as next_break_ts_us,
        min(case when not matches_step and not is_exclusion then event_ts_us end) over later_events
            as next_tail_break_ts_us,
        funnel_person_key,
        event_seq

    from events_by_step
    window later_events as (
        partition by funnel_person_key, step_index
        order by event_ts_us
        range between 1 following and unbounded following
    )

),

step_occurrence_breaks as (

    select
        funnel_key,
        person_key,
        step_index,
        next_break_ts_us,
        next_tail_break_ts_us,
        funnel_person_key,
        event_seq

    from breaks
    where matches_step

)

select * from step_occurrence_breaks
