{#- One row per person: a fingerprint of their timeline as the sources contribute it (the rows of
    the int_person_events__<source> models, every column int_person_events computes a person's
    events and their order from). int_person_events recomputes exactly the persons whose
    fingerprint differs from the one it last applied (keys_changed_since_applied): persons with new,
    late or corrected events, and those an identity merge or split gave or took events; the funnel
    fingerprints (int_funnel_person_fingerprints) build on these too. -#}
{%- set columns = person_event_columns() %}
with

unioned as (
{{ union_source_contributions('person_events', 'int_person_events__', columns) }}
),

fingerprints as (

    select
        person_id,
        md5(count(*) || ':' || bit_xor({{ fingerprint_hash(columns[1:]) }})) as fingerprint

    from unioned
    group by person_id

)

select * from fingerprints
