{#- The persons whose funnel journeys this run recomputes, from their whole history. On a full
    run: everyone. With var funnel_recompute_since (a UTC timestamp: the new day's start minus
    GA4's revision lookback), only persons with an event at or after it: no other person's events
    changed, so no other journey can. fct_funnel_steps replaces exactly these persons.
    person_key numbers them for this run only: the engine joins and partitions on integers. -#}
with

person_events as (

    select * from {{ ref('int_person_events') }}

),

persons as (

    select distinct person_id
    from person_events
    {% if var('funnel_recompute_since', none) is not none %}
    where event_at >= cast('{{ var("funnel_recompute_since") }}' as timestamp)
    {% endif %}

),

numbered as (

    select person_id, row_number() over () as person_key
    from persons

)

select * from numbered
