{{ config(enabled=source_enabled('shopify'), materialized='view') }}
{#- Shopify's contribution to the person timeline: each order (test orders left out) as a
    `purchase` event flagged is_macro, on its buyer. A view, like every timeline contribution. -#}
with

macro_conversions as (

    select * from {{ ref('int_macro_conversions') }}

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

)

select * from order_events
