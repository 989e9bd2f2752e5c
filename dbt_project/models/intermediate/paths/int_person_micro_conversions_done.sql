{#- The micro-conversions each person did before their first purchase (or ever, if they never
    bought): one row per person × micro-conversion, with whether the person bought. What
    fct_micro_conversion_impact counts in its cells. Incremental by person, on the paths'
    fingerprints (int_person_path_fingerprints: the timeline and the micro-conversions are among
    them), as int_person_paths.
    A micro-conversion carries its event's person and time (occurred_ts_us is the event's
    event_ts_us on the person's timeline: assert_micro_conversions_are_on_their_persons_timeline),
    so only the purchases are read from the timeline, not every event joined by id (10M events at
    M: 3.7 s, DECISIONLOG). Only conversions whose event is on the timeline count, as in the other
    path models: when a source feeds conversion_events without person_events, its conversions
    are left out by their event (conversion_events_on_the_timeline). -#}
{{ config(**incremental_by_fingerprints('int_person_path_fingerprints', 'person_id')) }}
-- depends_on: {{ ref('int_person_path_fingerprints') }}
{%- set on_timeline = conversion_events_on_the_timeline() %}
with

micro_conversions as (

    -- a micro-conversion's person is its event's (int_person_path_fingerprints)
    {{ rows_to_recompute(ref('int_conversions_stitched'), 'person_id') }}

),

person_events as {{ cte_materialization('materialized') if is_incremental() and not on_timeline }} (

    {{ rows_to_recompute(ref('int_person_events'), 'person_id') }}

),

first_purchases as (

    select person_id, min(event_ts_us) as purchased_ts_us
    from person_events
    where is_macro
    group by 1

),

doers as (

    select distinct
        micro_conversions.conversion_name,
        micro_conversions.person_id,
        first_purchases.person_id is not null as has_purchased

    from micro_conversions
    left join first_purchases on first_purchases.person_id = micro_conversions.person_id
    where micro_conversions.kind <> 'macro'
    {%- if not on_timeline %}
        and micro_conversions.event_id in (select person_events.event_id from person_events)
    {%- endif %}
        and (
            first_purchases.purchased_ts_us is null
            or micro_conversions.occurred_ts_us < first_purchases.purchased_ts_us
        )

)

select * from doers
