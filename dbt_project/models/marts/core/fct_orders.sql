{{ config(enabled=source_enabled('shopify')) }}
{#- Orders with their person (int_orders_stitched). is_first_order marks a person's first order
    that was not cancelled. -#}
with

orders as (

    select * from {{ ref('int_orders_stitched') }}

),

final as (

    select
        *,
        not is_cancelled and row_number() over (
            partition by person_id, is_cancelled order by ordered_at, order_id
        ) = 1 as is_first_order

    from orders

)

select * from final
