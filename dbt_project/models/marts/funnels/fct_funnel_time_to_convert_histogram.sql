{#- The distribution of time to convert from the first to the last step of each funnel, in
    PostHog's bins: ceil(cbrt(n)) bins (1 to 60), width ceil((ceil(max) - floor(min)) / bins)
    seconds (60 when that is 0), bin_count + 1 bins starting at floor(min). cbrt is the C library's
    (portable_cbrt), whose cube roots of some cubes round up (27 persons make 4 bins). -#}
with

funnel_steps_reached as (

    select * from {{ ref('fct_funnel_steps') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

conversion_times as (

    select
        funnel_steps_reached.funnel_name,
        (funnel_steps_reached.reached_ts_us - funnel_steps_reached.entered_ts_us) / 1e6 as seconds_to_convert

    from funnel_steps_reached
    inner join funnels on funnels.funnel_name = funnel_steps_reached.funnel_name
    where funnel_steps_reached.step_index = funnels.step_count

),

bin_shapes as (

    select
        funnel_name,
        least(60, greatest(1, ceil({{ portable_cbrt('count(*)') }})))::bigint as bin_count,
        floor(min(seconds_to_convert))::bigint as min_seconds,
        ceil(max(seconds_to_convert))::bigint as max_seconds

    from conversion_times
    group by 1

),

bin_widths as (

    select
        *,
        coalesce(nullif(ceil((max_seconds - min_seconds) / bin_count)::bigint, 0), 60) as bin_width_seconds

    from bin_shapes

),

bins as (

    select
        bin_widths.funnel_name,
        bin_index.range as bin_index,
        bin_widths.min_seconds + bin_index.range * bin_widths.bin_width_seconds as bin_start_seconds,
        bin_widths.min_seconds + (bin_index.range + 1) * bin_widths.bin_width_seconds as bin_end_seconds

    from bin_widths
    {{ lateral_range('bin_widths.bin_count + 1', 'bin_index') }}

),

binned as (

    select
        conversion_times.funnel_name,
        floor((conversion_times.seconds_to_convert - bin_widths.min_seconds) / bin_widths.bin_width_seconds)::bigint
            as bin_index

    from conversion_times
    inner join bin_widths on bin_widths.funnel_name = conversion_times.funnel_name

),

histogram as (

    select
        bins.funnel_name,
        bins.bin_index,
        bins.bin_start_seconds,
        bins.bin_end_seconds,
        count(binned.bin_index) as persons

    from bins
    left join binned
        on binned.funnel_name = bins.funnel_name
        and binned.bin_index = bins.bin_index
    group by 1, 2, 3, 4

)

select * from histogram
