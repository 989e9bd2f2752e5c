{#- Every event of every person on one timeline: GA4 events (through their session's person) and,
    when Shopify is loaded, the orders as `purchase` events flagged is_macro. event_seq orders a
    person's events totally, breaking equal timestamps by GA4's own batch order. -#}
with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

macro_conversions as (

    select * from {{ ref('int_macro_conversions') }}

),

ga4_events as (

    select
        sessions.person_id,
        events.event_key as event_id,
        events.event_at,
        events.event_ts_us,
        events.event_name,
        events.session_key as session_id,
        events.event_key in (select event_id from macro_conversions) as is_macro,
        events.batch_ordering_id,
        events.batch_event_index

    from events
    inner join sessions on sessions.session_key = events.session_key

),

order_events as (

    select
        person_id,
        event_id,
        event_at,
        event_ts_us,
        'purchase' as event_name,
        session_key as session_id,
        true as is_macro,
        null::bigint as batch_ordering_id,
        null::bigint as batch_event_index

    from macro_conversions
    where macro_source = 'shopify' and person_id is not null

),

unioned as (

    select * from ga4_events
    union all
    select * from order_events

),

sequenced as (

    select
        * exclude (batch_ordering_id, batch_event_index),
        row_number() over (
            partition by person_id
            order by event_ts_us, batch_ordering_id nulls last, batch_event_index nulls last, event_id
        ) as event_seq

    from unioned

)

select * from sequenced
