{#- The micro-conversions each person did before their first purchase (or ever, if they never
    bought): one row per person × micro-conversion, with whether the person bought. What
    fct_micro_conversion_impact counts in its cells. Incremental by person, on the paths'
    fingerprints (int_person_path_fingerprints: the timeline and the micro-conversions are among
    them), as int_person_paths. -#}
{{ config(**incremental_by_fingerprints('int_person_path_fingerprints', 'person_id')) }}
-- depends_on: {{ ref('int_person_path_fingerprints') }}
with

micro_conversions as (

    -- a micro-conversion's person is its event's (int_person_path_fingerprints)
    {{ rows_to_recompute(ref('int_conversions_stitched'), 'person_id') }}

),

person_events as {{ cte_materialization('materialized') if is_incremental() }} (

    {{ rows_to_recompute(ref('int_person_events'), 'person_id') }}

),

persons as (

    select person_id, bool_or(is_macro) as has_purchased, min(case when is_macro then event_ts_us end)
        as purchased_ts_us
    from person_events
    group by 1

),

doers as (

    select distinct micro_conversions.conversion_name, persons.person_id, persons.has_purchased
    from micro_conversions
    inner join person_events on person_events.event_id = micro_conversions.event_id
    inner join persons on persons.person_id = person_events.person_id
    where micro_conversions.kind <> 'macro'
        and (persons.purchased_ts_us is null or person_events.event_ts_us < persons.purchased_ts_us)

)

select * from doers
