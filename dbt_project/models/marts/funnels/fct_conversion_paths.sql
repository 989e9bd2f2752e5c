{#- The most common full paths to purchase and to drop-off: for each person, the micro-conversions
    in the order they did them, consecutive repeats collapsed (view_item > view_item > add_to_cart
    is view_item > add_to_cart; view_item > add_to_cart > view_item stays as walked), before their
    first purchase (or ever, for persons who never bought). Persons with no micro-conversion before
    buying follow the path '(none)'. fct_path_transitions has the same walks step by step. One row per
    path among the top N (var conversion_paths_top_n) by purchasers or by persons who dropped off. -#}
with

micro_conversions as (

    select * from {{ ref('fct_micro_conversions') }}

),

person_events as (

    select * from {{ ref('int_person_events') }}

),

first_purchases as (

    select person_id, min(event_ts_us) as purchased_ts_us
    from person_events
    where is_macro
    group by 1

),

occurrences as (

    select
        micro_conversions.person_id,
        micro_conversions.conversion_name,
        person_events.event_seq

    from micro_conversions
    inner join person_events on person_events.event_id = micro_conversions.event_id
    left join first_purchases on first_purchases.person_id = micro_conversions.person_id
    where micro_conversions.kind <> 'macro'
        and (first_purchases.purchased_ts_us is null or person_events.event_ts_us < first_purchases.purchased_ts_us)

),

walked as (

    -- consecutive repeats of one micro-conversion are one step of the path
    select *
    from (
        select
            *,
            lag(conversion_name) over (partition by person_id order by event_seq, conversion_name) as previous_name
        from occurrences
    )
    where previous_name is distinct from conversion_name

),

person_paths as (

    select
        person_id,
        {{ string_agg_ordered('conversion_name', "' > '", 'event_seq, conversion_name') }} as conversion_path,
        count(*) as path_length

    from walked
    group by 1

),

persons as (

    select person_paths.person_id, person_paths.conversion_path, person_paths.path_length, false as has_purchased
    from person_paths
    left join first_purchases on first_purchases.person_id = person_paths.person_id
    where first_purchases.person_id is null
    union all
    select
        first_purchases.person_id,
        coalesce(person_paths.conversion_path, '(none)') as conversion_path,
        coalesce(person_paths.path_length, 0) as path_length,
        true as has_purchased
    from first_purchases
    left join person_paths on person_paths.person_id = first_purchases.person_id

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
