{#- The steps each person reached in each funnel, with when: one row per funnel x person x step
    reached of the journey that counts (see DECISIONLOG, funnel semantics). Excluded persons and
    persons who never entered have no rows. In any-order funnels step k means "k distinct steps
    done" and funnel_step_index / step_name say which step that was.
    Incremental by person (the exception to the folder's tables): a run replaces the persons of int_funnel_recompute_persons (everyone
    on a full run) and drops person_ids that no longer exist (merged into another person), then
    records the fingerprints it is now up to date with (applied_fingerprints) in the same
    transaction: the next run recomputes whoever changed since. On Spark a full table rebuild
    (incremental_materialization), so neither hook runs there. -#}
-- depends_on: {{ ref('int_funnel_person_fingerprints') }}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{% if is_incremental() %}
        delete from {{ this }}
        where person_id in (select person_id from {{ ref('int_funnel_recompute_persons') }})
            or person_id not in (select person_id from {{ ref('int_person_events') }})
    {% endif %}",
    post_hook="{{ record_applied_fingerprints(
        applied_fingerprints(ref('int_funnel_person_fingerprints')), ref('int_funnel_person_fingerprints'), 'person_id'
    ) }}",
) }}
with

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

funnel_steps as (

    select * from {{ ref('stg_config__funnel_steps') }}

),

person_events as (

    select * from {{ ref('int_person_events') }}

),

recompute_persons as (

    select * from {{ ref('int_funnel_recompute_persons') }}

),

sequential_results as (

    select * from {{ ref('int_funnel_sequential_results') }}

),

journey_steps as (

    select * from {{ ref('int_funnel_journey_steps') }}

),

any_order_results as (

    select * from {{ ref('int_funnel_any_order_results') }}

),

any_order_window_steps as (

    select * from {{ ref('int_funnel_any_order_window_steps') }}

),

sequential_steps as (

    select
        journey_steps.funnel_key,
        journey_steps.person_key,
        journey_steps.step_index,
        journey_steps.step_index as funnel_step_index,
        journey_steps.event_seq,
        journey_steps.funnel_person_key

    from sequential_results
    inner join journey_steps
        on journey_steps.funnel_person_key = sequential_results.funnel_person_key
        and journey_steps.entry_pos = sequential_results.entry_pos
    where not sequential_results.is_excluded

),

any_order_steps as (

    select
        any_order_window_steps.funnel_key,
        any_order_window_steps.person_key,
        row_number() over (
            partition by any_order_window_steps.funnel_person_key
            order by any_order_window_steps.event_pos, any_order_window_steps.step_index
        ) as step_index,
        any_order_window_steps.step_index as funnel_step_index,
        any_order_window_steps.event_seq,
        any_order_window_steps.funnel_person_key

    from any_order_results
    inner join any_order_window_steps
        on any_order_window_steps.funnel_person_key = any_order_results.funnel_person_key
        and any_order_window_steps.window_start_ts_us = any_order_results.window_start_ts_us
    where not any_order_results.is_excluded

),

steps_reached as (

    select * from sequential_steps
    union all
    select * from any_order_steps

),

reached as {{ cte_materialization('materialized') }} (

    -- the engine's integer keys back to names and ids: the funnel, the person (person_key is
    -- this run's numbering) and the event (event_seq, unique per person); computed once, read
    -- twice below
    select
        steps_reached.funnel_person_key,
        funnels.funnel_name,
        recompute_persons.person_id,
        steps_reached.step_index,
        funnel_steps.step_name,
        person_events.event_at as reached_at,
        steps_reached.funnel_step_index,
        funnels.order_mode,
        person_events.event_id,
        person_events.event_ts_us as reached_ts_us,
        person_events.session_id

    from steps_reached
    inner join funnels on funnels.funnel_key = steps_reached.funnel_key
    inner join funnel_steps
        on funnel_steps.funnel_name = funnels.funnel_name
        and funnel_steps.step_index = steps_reached.funnel_step_index
    inner join recompute_persons on recompute_persons.person_key = steps_reached.person_key
    inner join person_events
        on person_events.person_id = recompute_persons.person_id
        and person_events.event_seq = steps_reached.event_seq

),

with_times as (

    -- every journey has its step 1 (the entry): joined to each step of it, not a window's
    -- first_value, which sorted every row of the journey (DECISIONLOG)
    select
        reached.funnel_name,
        reached.person_id,
        reached.step_index,
        reached.step_name,
        reached.reached_at,
        entries.reached_at as entered_at,
        reached.funnel_step_index,
        reached.order_mode,
        reached.event_id,
        reached.reached_ts_us,
        entries.reached_ts_us as entered_ts_us,
        entries.event_id as entry_event_id,
        entries.session_id as entry_session_id

    from reached
    inner join reached as entries
        on entries.funnel_person_key = reached.funnel_person_key
        and entries.step_index = 1

)

select * from with_times
