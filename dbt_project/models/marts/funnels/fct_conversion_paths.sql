{#- The most common full paths to purchase and to drop-off (int_person_conversion_paths: each
    person's micro-conversions in order, consecutive repeats collapsed, before their first purchase
    or ever; '(none)' for buyers with none before buying). fct_path_transitions has the same walks
    step by step. One row per path among the top N (var conversion_paths_top_n) by purchasers or by
    persons who dropped off. -#}
with

persons as (

    select * from {{ ref('int_person_conversion_paths') }}

),

paths as (

    select
        conversion_path,
        any_value(path_length) as path_length,
        count(*) as persons,
        count(*) filter (where has_purchased) as persons_purchased,
        count(*) filter (where not has_purchased) as persons_dropped_off,
        (count(*) filter (where has_purchased) / count(*))::double as conversion_rate

    from persons
    group by 1

),

ranked as (

    select
        *,
        case when persons_purchased > 0 then
            row_number() over (order by persons_purchased desc, conversion_path)
        end as rank_before_purchase,
        case when persons_dropped_off > 0 then
            row_number() over (order by persons_dropped_off desc, conversion_path)
        end as rank_before_drop_off

    from paths

),

top_paths as (

    select *
    from ranked
    where rank_before_purchase <= {{ var('microfunnel__conversion_paths_top_n') }}
        or rank_before_drop_off <= {{ var('microfunnel__conversion_paths_top_n') }}

)

select * from top_paths
