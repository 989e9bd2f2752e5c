{#- Every event of every person on one timeline: the union of the models named
    int_person_events__<source> of the enabled sources feeding person_events (GA4's events through
    their session's person; Shopify's orders as `purchase` events flagged is_macro; ...).
    event_seq orders a person's events totally, breaking equal timestamps by GA4's own batch order. -#}
with

unioned as (
{{ union_source_contributions(
    'person_events',
    'int_person_events__',
    ['person_id', 'event_id', 'event_at', 'event_ts_us', 'event_name', 'session_id', 'is_macro',
     'batch_ordering_id', 'batch_event_index'],
) }}
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
