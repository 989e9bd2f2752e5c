{#- Every conversion occurrence with its person: the catalog's micro-conversions and the macro
    conversion (`purchase`, one per order with a person). fct_micro_conversions publishes it; audiences
    and experiments read it here, so no intermediate model reads the mart. A view: a table would
    store every micro-conversion twice. -#}
{{ config(materialized='view') }}

with

micro_conversions as (

    select * from {{ ref('int_micro_conversions_stitched') }}

),

macro_conversions as (

    select * from {{ ref('int_macro_conversions') }}

),

macro as (

    select
        md5('purchase|' || event_id) as micro_conversion_id,
        person_id,
        session_key as session_id,
        'purchase' as conversion_name,
        'macro' as kind,
        event_at as occurred_at,
        event_ts_us as occurred_ts_us,
        event_id,
        order_id

    from macro_conversions
    where person_id is not null

),

unioned as (

    select * from micro_conversions
    union all
    select * from macro

)

select * from unioned
