{#- Every event of every person on one timeline: the union of the models named
    int_person_events__<source> of the enabled sources feeding person_events (GA4's events through
    their session's person; Shopify's orders as `purchase` events flagged is_macro; ...).
    event_seq orders a person's events totally, breaking equal timestamps by GA4's own batch order.
    Incremental by person: a run recomputes the persons whose timeline changed since it last ran
    (int_person_event_fingerprints; everyone on a first run, with --full-refresh, and on Spark,
    which rebuilds it whole) and drops the persons that no longer exist (merged into another). -#}
{{ config(**incremental_by_fingerprints('int_person_event_fingerprints', 'person_id')) }}
-- depends_on: {{ ref('int_person_event_fingerprints') }}
with

unioned as (

    select *
    from (
        {{ union_source_contributions('person_events', 'int_person_events__', person_event_columns()) | indent(8) }}
    ) as contributions
    {% if is_incremental() -%}
    where person_id in ({{ keys_to_recompute('person_id') }})
    {%- endif %}

),

sequenced as (

    select
        {{ star_except(['batch_ordering_id', 'batch_event_index']) }},
        row_number() over (
            partition by person_id
            order by event_ts_us nulls last, batch_ordering_id nulls last, batch_event_index nulls last, event_id
        ) as event_seq

    from unioned

)

select * from sequenced
