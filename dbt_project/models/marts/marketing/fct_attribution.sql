{{ config(enabled=source_enabled('shopify')) }}
{#- Order × model × touch. Each model's credits sum to 1 per order, and its attributed revenue to the
    order's revenue to the cent: every touch's share is rounded to cents and the last touch takes
    the remainder. An order with no session in the lookback gets one 'unattributed' touch. -#}
with

touches as (

    select * from {{ ref('int_order_touches_weighted') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

models as (

    select models.model
    from (
        values ('first_touch'), ('last_non_direct'), ('linear'), ('time_decay'), ('position_based')
    ) as models (model)

),

credited as (

    select
        touches.order_id,
        models.model,
        touches.touch_index,
        touches.session_key as session_id,
        touches.started_at as touch_at,
        touches.channel,
        touches.source,
        touches.medium,
        touches.campaign,
        touches.platform,
        touches.campaign_id,
        case models.model
            when 'first_touch' then touches.first_touch_weight
            when 'last_non_direct' then touches.last_non_direct_weight
            when 'linear' then touches.linear_weight
            when 'time_decay' then touches.time_decay_weight
            else touches.position_based_weight
        end as weight,
        touches.revenue

    from touches
    cross join models

),

normalized as (

    select
        {{ star_except(['weight', 'revenue']) }},
        weight / sum(weight) over (partition by order_id, model) as credit,
        revenue

    from credited

),

unattributed as (

    select
        orders.order_id, models.model, 0 as touch_index, null as session_id, null::timestamp as touch_at,
        'Unattributed' as channel, null as source, null as medium, null as campaign, null as platform,
        null as campaign_id, 1.0 as credit, orders.revenue

    from orders
    cross join models
    where orders.order_id not in (select order_id from touches)

),

rounded as (

    select
        *,
        -- the share in decimals: a double rounded to cents is rounded from its binary value on
        -- DuckDB but from its shortest spelling on Spark (69.615 as a double is 69.6149999...);
        -- the credit (0 to 1) to 12 places is the same decimal on both, the product exact (no
        -- precision cut on Spark), and half a cent rounds up on both
        cast(cast(credit as decimal(13, 12)) * revenue as decimal(18, 2)) as rounded_revenue,
        row_number() over (partition by order_id, model order by touch_index desc) as touches_from_last

    from (
        -- both list the same columns in the same order (Spark has no union by name)
        select * from normalized
        union all
        select * from unattributed
    )

),

final as (

    select
        {{ star_except(['rounded_revenue', 'touches_from_last', 'revenue']) }},
        case
            when touches_from_last = 1
                then cast(revenue as decimal(18, 2))
                    - sum(rounded_revenue) over (partition by order_id, model) + rounded_revenue
            else rounded_revenue
        end as attributed_revenue

    from rounded

)

select * from final
