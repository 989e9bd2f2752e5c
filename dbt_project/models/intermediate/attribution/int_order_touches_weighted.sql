{{ config(enabled=source_enabled('shopify')) }}
{#- Each order's touches (its person's sessions in the lookback window up to the order) with the
    raw weight every attribution model gives them. Weights are normalized in fct_attribution. -#}
with

orders as (

    select * from {{ ref('int_orders_stitched') }}

),

sessions as (

    select * from {{ ref('int_sessions_campaigns_resolved') }}

),

touches as (

    select
        orders.order_id,
        orders.ordered_at,
        orders.revenue,
        sessions.*,
        row_number() over by_order as touch_index,
        count(*) over (partition by orders.order_id) as touch_count,
        max(case when sessions.channel <> 'Direct' then sessions.started_at end)
            over (partition by orders.order_id) as last_non_direct_at,
        max(sessions.started_at) over (partition by orders.order_id) as last_touch_at

    from orders
    inner join sessions
        on sessions.person_id = orders.person_id
        and sessions.started_at <= orders.ordered_at
        and sessions.started_at
            >= orders.ordered_at - interval '{{ var('microfunnel__attribution_lookback_days') }} days'
    window by_order as (partition by orders.order_id order by sessions.started_at, sessions.session_key)

),

weighted as (

    select
        *,
        case when touch_index = 1 then 1.0 else 0.0 end as first_touch_weight,
        case when started_at = coalesce(last_non_direct_at, last_touch_at) then 1.0 else 0.0 end
            as last_non_direct_weight,
        1.0 as linear_weight,
        -- the casts keep both divisions in double: Spark divides a decimal by an integer as decimals
        {{ portable_pow(
            '0.5',
            'cast(' ~ seconds_between('started_at', 'ordered_at') ~ ' as double) / ('
            ~ var('microfunnel__time_decay_half_life_days') ~ ' * 86400.0)'
        ) }} as time_decay_weight,
        case
            when touch_count = 1 then 1.0
            when touch_count = 2 then 0.5
            when touch_index = 1 or touch_index = touch_count then 0.4
            else 0.2 / cast(touch_count - 2 as double)
        end as position_based_weight

    from touches

)

select * from weighted
