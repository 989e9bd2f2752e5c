{#- Which exposed persons converted, per experiment × conversion: a catalog micro-conversion or
    `purchase` (the macro: orders) after the person's first exposure (strictly after: the exposing
    page view itself is no conversion) and at most the window later (conversions.yml `experiments:
    window`, boundary inclusive). Conversions before the first exposure do not count. -#}
with

exposures as (

    select * from {{ ref('int_experiment_exposures') }}

),

conversions as (

    select * from {{ ref('int_conversions_stitched') }}

),

settings as (

    select
        *,
        cast(window_seconds as {{ dbt.type_bigint() }}) * 1000000 as window_us

    from {{ ref('stg_config__experiment_settings') }}

),

converted as (

    select
        exposures.experiment_id,
        exposures.person_id,
        conversions.conversion_name,
        min(conversions.occurred_at) as first_converted_at

    from exposures
    cross join settings
    inner join conversions
        on conversions.person_id = exposures.person_id
        and conversions.occurred_ts_us > exposures.exposed_ts_us
        and conversions.occurred_ts_us <= exposures.exposed_ts_us + settings.window_us
    group by exposures.experiment_id, exposures.person_id, conversions.conversion_name

)

select * from converted
