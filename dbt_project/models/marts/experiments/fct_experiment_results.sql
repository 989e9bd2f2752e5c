{#- Each experiment's variants against its control, per conversion: persons first exposed, persons
    converting within the window after their first exposure (each catalog micro-conversion and
    `purchase`, the macro), the rate, and a two-proportion z-test against the control (difference
    of rates, 95 % CI, p-value), beside the sample-ratio-mismatch check of the variants' sizes.
    The test: z = difference / sqrt(p (1 - p) (1/n + 1/n_control)) with p the pooled rate (the
    usual test of equal rates); the CI: difference +- 1.96 sqrt(p1 (1 - p1)/n + p0 (1 - p0)/n_control)
    (Wald, unpooled). Null where a side has no persons or every rate is 0 or 1. -#}
with

variants as (

    select * from {{ ref('int_experiment_variants') }}

),

exposures as (

    select * from {{ ref('int_experiment_exposures') }}

),

converted as (

    select * from {{ ref('int_experiment_conversions') }}

),

micro_conversions as (

    select * from {{ ref('stg_config__micro_conversions') }}

),

settings as (

    select * from {{ ref('stg_config__experiment_settings') }}

),

conversion_names as (

    select conversion_name, kind as conversion_kind from micro_conversions
    union all
    select 'purchase' as conversion_name, 'macro' as conversion_kind

),

counted as (

    select
        exposures.experiment_id,
        exposures.variant,
        converted.conversion_name,
        count(*) as persons_converted

    from converted
    inner join exposures
        on exposures.experiment_id = converted.experiment_id and exposures.person_id = converted.person_id
    group by exposures.experiment_id, exposures.variant, converted.conversion_name

),

rates as (

    select
        variants.experiment_id,
        variants.variant,
        variants.is_control,
        variants.control_variant,
        conversion_names.conversion_name,
        conversion_names.conversion_kind,
        variants.persons_exposed,
        variants.persons_in_several_variants,
        coalesce(counted.persons_converted, 0) as persons_converted,
        -- rates are 32-bit floats (dbt.type_float()) and so is their arithmetic, as DuckDB does it; the
        -- outer casts (no-ops there) keep Spark, whose `/` always gives a double, in 32 bits too
        cast(
            cast(coalesce(counted.persons_converted, 0) as {{ dbt.type_float() }})
            / nullif(variants.persons_exposed, 0)
            as {{ dbt.type_float() }}
        ) as conversion_rate,
        variants.expected_share,
        variants.srm_chi_square,
        variants.srm_p_value,
        variants.has_sample_ratio_mismatch

    from variants
    cross join conversion_names
    left join counted
        on counted.experiment_id = variants.experiment_id
        and counted.variant = variants.variant
        and counted.conversion_name = conversion_names.conversion_name

),

against_control as (

    select
        rates.*,
        control.persons_exposed as control_persons_exposed,
        control.persons_converted as control_persons_converted,
        control.conversion_rate as control_conversion_rate,
        case when not rates.is_control then rates.conversion_rate - control.conversion_rate end as difference,
        cast(
            cast(rates.persons_converted + control.persons_converted as {{ dbt.type_float() }})
            / nullif(rates.persons_exposed + control.persons_exposed, 0)
            as {{ dbt.type_float() }}
        ) as pooled_rate,
        -- 32-bit as in DuckDB: a float 1 (Spark takes 1 - float as double) and a float quotient
        sqrt(
            cast(
                rates.conversion_rate * (cast(1 as {{ dbt.type_float() }}) - rates.conversion_rate)
                / nullif(rates.persons_exposed, 0)
                as {{ dbt.type_float() }}
            )
            + cast(
                control.conversion_rate * (cast(1 as {{ dbt.type_float() }}) - control.conversion_rate)
                / nullif(control.persons_exposed, 0)
                as {{ dbt.type_float() }}
            )
        ) as unpooled_standard_error

    from rates
    inner join rates as control
        on control.experiment_id = rates.experiment_id
        and control.conversion_name = rates.conversion_name
        and control.is_control

),

tested as (

    select
        *,
        -- pooled_rate (1 - pooled_rate) in 32 bits, the sum of reciprocals in double, as in DuckDB
        -- (Spark would take 1 - float as double and divide 1.0 by an integer as decimals)
        difference / nullif(
            sqrt(
                pooled_rate * (cast(1 as {{ dbt.type_float() }}) - pooled_rate)
                * (
                    cast(1 as double) / nullif(persons_exposed, 0)
                    + cast(1 as double) / nullif(control_persons_exposed, 0)
                )
            ),
            0
        ) as z_score

    from against_control

),

results as (

    select
        tested.experiment_id,
        tested.variant,
        tested.is_control,
        tested.control_variant,
        tested.conversion_name,
        tested.conversion_kind,
        tested.persons_exposed,
        tested.persons_in_several_variants,
        tested.persons_converted,
        tested.conversion_rate,
        tested.control_persons_exposed,
        tested.control_persons_converted,
        tested.control_conversion_rate,
        tested.difference,
        tested.difference - 1.959963984540054 * nullif(tested.unpooled_standard_error, 0) as difference_ci_low,
        tested.difference + 1.959963984540054 * nullif(tested.unpooled_standard_error, 0) as difference_ci_high,
        tested.z_score,
        {{ two_sided_p_value('tested.z_score') }} as p_value,
        coalesce({{ two_sided_p_value('tested.z_score') }} < 0.05, false) as is_significant,
        settings.window_seconds,
        tested.expected_share,
        tested.srm_chi_square,
        tested.srm_p_value,
        tested.has_sample_ratio_mismatch

    from tested
    cross join settings

)

select * from results
