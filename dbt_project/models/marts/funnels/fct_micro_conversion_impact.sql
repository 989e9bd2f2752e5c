{#- Which micro-steps go with buying (PostHog correlation analysis, in the warehouse): for each
    micro-conversion, persons who did it before their first purchase (or ever, if they never
    bought) against everyone else, their purchase rates, the lift, and the odds ratio with
    PostHog's +1 prior on all four cells and a Woolf (log) 95% confidence interval, and the lift's
    own 95% interval (Katz's log method on the raw counts; null when a cell has no buyers). Flagged
    too small when fewer than min(25, 2% of all persons) did it (PostHog hides those). -#}
with

person_events as (

    select * from {{ ref('int_person_events') }}

),

doers as (

    -- each person x micro-conversion done before the first purchase (or ever), with has_purchased
    select * from {{ ref('int_person_micro_conversions_done') }}

),

persons as (

    select person_id, bool_or(is_macro) as has_purchased
    from person_events
    group by 1

),

totals as (

    select
        count(*) as total_persons,
        count(*) filter (where has_purchased) as total_purchasers

    from persons

),

cells as (

    select
        doers.conversion_name,
        count(*) as persons_with,
        count(*) filter (where doers.has_purchased) as purchasers_with,
        any_value(totals.total_persons) - count(*) as persons_without,
        any_value(totals.total_purchasers) - count(*) filter (where doers.has_purchased) as purchasers_without,
        any_value(totals.total_persons) as total_persons

    from doers
    cross join totals
    group by 1

),

odds as (

    select
        'purchase' as macro_conversion,
        conversion_name,
        persons_with,
        persons_without,
        purchasers_with,
        purchasers_without,
        (purchasers_with / persons_with)::double as purchase_rate_with,
        (purchasers_without / nullif(persons_without, 0))::double as purchase_rate_without,
        -- in doubles, as DuckDB divides decimals (Spark would keep a rounded decimal); `1 / n` is
        -- a double in both engines
        cast((purchasers_with + 1.0) * (persons_without - purchasers_without + 1.0) as double)
            / cast((purchasers_without + 1.0) * (persons_with - purchasers_with + 1.0) as double) as odds_ratio,
        sqrt(
            1 / (purchasers_with + 1) + 1 / (persons_with - purchasers_with + 1)
            + 1 / (purchasers_without + 1) + 1 / (persons_without - purchasers_without + 1)
        ) as log_odds_ratio_se,
        case when purchasers_with > 0 and purchasers_without > 0 then sqrt(
            1 / purchasers_with - 1 / persons_with + 1 / purchasers_without - 1 / persons_without
        ) end as log_lift_se,
        persons_with < least(25, 0.02 * total_persons) as is_sample_too_small

    from cells

),

with_interval as (

    select
        {{ star_except(['log_odds_ratio_se', 'log_lift_se']) }},
        purchase_rate_with / nullif(purchase_rate_without, 0) as lift,
        case when log_lift_se is not null
            then {{ portable_exp(portable_ln('purchase_rate_with / purchase_rate_without') ~ ' - 1.96 * log_lift_se') }}
        end as lift_ci_low,
        case when log_lift_se is not null
            then {{ portable_exp(portable_ln('purchase_rate_with / purchase_rate_without') ~ ' + 1.96 * log_lift_se') }}
        end as lift_ci_high,
        {{ portable_exp(portable_ln('odds_ratio') ~ ' - 1.96 * log_odds_ratio_se') }} as odds_ratio_ci_low,
        {{ portable_exp(portable_ln('odds_ratio') ~ ' + 1.96 * log_odds_ratio_se') }} as odds_ratio_ci_high,
        case when odds_ratio > 1 then 'success' else 'failure' end as correlation_type

    from odds

)

select * from with_interval
