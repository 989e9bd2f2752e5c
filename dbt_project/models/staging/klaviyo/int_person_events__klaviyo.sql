{#- Klaviyo's contribution to the person timeline: email opens and clicks, on their person. -#}
with

conversion_events as (

    select * from {{ ref('int_conversion_events__klaviyo') }}

),

timeline as (

    select
        person_id,
        event_id,
        event_at,
        event_ts_us,
        event_name,
        session_id,
        false as is_macro,
        null::bigint as batch_ordering_id,
        null::bigint as batch_event_index

    from conversion_events

)

select * from timeline
