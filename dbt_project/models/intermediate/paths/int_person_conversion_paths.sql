{#- Each person's full path of micro-conversions, one row per person who did one or bought: what
    fct_conversion_paths counts. The micro-conversions in the order the person did them, consecutive
    repeats collapsed (view_item > view_item > add_to_cart is view_item > add_to_cart; view_item >
    add_to_cart > view_item stays as walked), before their first purchase (or ever, for persons who
    never bought). Persons with no micro-conversion before buying follow the path '(none)'.
    Incremental by person, on the paths' fingerprints (int_person_path_fingerprints: the timeline
    and the micro-conversions are among them), as int_person_paths. -#}
{{ config(**incremental_by_fingerprints('int_person_path_fingerprints', 'person_id')) }}
-- depends_on: {{ ref('int_person_path_fingerprints') }}
with

micro_conversions as (

    -- a micro-conversion's person is its event's (int_person_path_fingerprints)
    {{ rows_to_recompute(ref('int_conversions_stitched'), 'person_id') }}

),

person_events as {{ cte_materialization('materialized') if is_incremental() }} (

    {{ rows_to_recompute(ref('int_person_events'), 'person_id') }}

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

    -- everyone with a path or a purchase: purchasers with no micro-conversion before it walked '(none)'
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

)

select * from persons
