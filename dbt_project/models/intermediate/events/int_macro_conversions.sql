{#- The macro-conversion: one row per order. Shopify's orders when the project loads Shopify
    (test orders left out; cancelled orders still count as a purchase that happened), else GA4
    purchase events, deduplicated by transaction_id (GA4 re-sends purchases on reloads). -#}
with

{% if source_enabled('shopify') %}

orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_stitched') }}

),

purchase_sessions as (

    select transaction_id, {{ arg_min('session_key', 'event_ts_us') }} as session_key
    from {{ ref('int_events_sessionized') }}
    where event_name = 'purchase' and transaction_id is not null
    group by transaction_id

),

macro_conversions as (

    select
        'order:' || orders.order_id as event_id,
        cast(orders.order_id as {{ dbt.type_string() }}) as order_id,
        orders.order_name,
        identifiers.person_id,
        purchase_sessions.session_key,
        orders.ordered_at as event_at,
        {{ epoch_us('orders.ordered_at') }} as event_ts_us,
        'shopify' as macro_source

    from orders
    left join identifiers
        on identifiers.identifier_type = 'order_id'
        and identifiers.identifier_value = cast(orders.order_id as {{ dbt.type_string() }})
    left join purchase_sessions on purchase_sessions.transaction_id = orders.order_name
    where not orders.is_test

)

{% else %}

purchases as (

    select * from {{ ref('int_events_sessionized') }}
    where event_name = 'purchase'

),

first_report as (

    select
        coalesce(transaction_id, event_key) as order_key,
        {{ arg_min('event_key', 'event_ts_us') }} as event_key,
        {{ arg_min('session_key', 'event_ts_us') }} as session_key,
        min(event_at) as event_at,
        min(event_ts_us) as event_ts_us

    from purchases
    group by 1

),

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

macro_conversions as (

    select
        first_report.event_key as event_id,
        first_report.order_key as order_id,
        first_report.order_key as order_name,
        sessions.person_id,
        first_report.session_key,
        first_report.event_at,
        first_report.event_ts_us,
        'ga4' as macro_source

    from first_report
    left join sessions on sessions.session_key = first_report.session_key

)

{% endif %}

select * from macro_conversions
