{#- The persons whose funnel journeys this run recomputes, from their whole history: those whose
    fingerprint changed since the previous run (int_funnel_person_fingerprints: everyone on a
    first run, after --full-refresh or when the catalog changed). The var
    microfunnel__funnel_recompute_since (a UTC timestamp; unset by default) adds every person with
    an event at or after it, e.g. to recompute a day after fixing its data. fct_funnel_steps replaces exactly these persons.
    person_key numbers them for this run only: the engine joins and partitions on integers. -#}
with

person_events as (

    select * from {{ ref('int_person_events') }}

),

fingerprints as (

    select * from {{ ref('int_funnel_person_fingerprints') }}

),

persons as (

    select person_id
    from fingerprints
    where is_changed
    {% if var('microfunnel__funnel_recompute_since') is not none %}
    union
    select person_id
    from person_events
    where event_at >= cast('{{ var("microfunnel__funnel_recompute_since") }}' as timestamp)
    {% endif %}

),

numbered as (

    select person_id, {{ funnel_person_numbering() }} as person_key
    from persons

)

select * from numbered
