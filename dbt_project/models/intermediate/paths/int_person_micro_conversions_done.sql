{#- The micro-conversions each person did before their first purchase (or ever, if they never
    bought): one row per person × micro-conversion, with whether the person bought. What
    fct_micro_conversion_impact counts in its cells. Incremental by person, on the paths'
    fingerprints (int_person_path_fingerprints: the timeline and the micro-conversions are among
    them), as int_person_paths.
    A micro-conversion carries its event's person and time (occurred_ts_us is the event's
    event_ts_us on the person's timeline: assert_micro_conversions_are_on_their_persons_timeline),
    so only the purchases are read from the timeline, not every event joined by id (10M events at
    M: 3.7 s, DECISIONLOG). -#}
{{ config(**incremental_by_fingerprints('int_person_path_fingerprints', 'person_id')) }}
-- depends_on: {{ ref('int_person_path_fingerprints') }}
with

micro_conversions as (

    -- a micro-conversion's person is its event's (int_person_path_fingerprints)
    {{ rows_to_recompute(ref('int_conversions_stitched'), 'person_id') }}

),

person_events as (

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
        and (
            first_purchases.purchased_ts_us is null
            or micro_conversions.occurred_ts_us < first_purchases.purchased_ts_us
        )

)

select * from doers
