-- A failure means a micro-conversion whose event is not on its person's timeline at its time: the
-- path models (int_person_micro_conversions_done) read a micro-conversion's person and time from
-- the conversion itself, and would count it for the wrong person or on the wrong side of a purchase.
-- Off the timeline is allowed only while a source feeds conversion_events without person_events
-- (conversion_events_on_the_timeline): the path models leave those conversions out.
-- An invariant of the layers under the marts: checked by the `dbt_invariants` job, not every run.
{{ config(tags=['invariant'], meta={'dagster': {'ref': {'name': 'int_conversions_stitched'}}}) }}
select conversions.micro_conversion_id, conversions.event_id
from {{ ref('int_conversions_stitched') }} as conversions
left join {{ ref('int_person_events') }} as person_events on person_events.event_id = conversions.event_id
where case
    -- off the timeline: only a source feeding conversion_events without person_events puts one there
    when person_events.event_id is null then {{ 'true' if conversion_events_on_the_timeline() else 'false' }}
    else person_events.person_id is distinct from conversions.person_id
        or person_events.event_ts_us is distinct from conversions.occurred_ts_us
end
