{#- Each experiment's variants: persons first exposed in each, which one is the control (the variant
    named as conversions.yml `experiments: control`, default `control`, else the first in alphabetical
    order), and the sample-ratio-mismatch check: a chi-square test of the persons per variant against
    the intended split (`experiments: split`, default equal). A variant listed in the split but never
    seen has 0 persons; a variant seen but not in the split was never meant to get anyone (p = 0). -#}
with

exposures as (

    select * from {{ ref('int_experiment_exposures') }}

),

settings as (

    select * from {{ ref('stg_config__experiment_settings') }}

),

splits as (

    select * from {{ ref('stg_config__experiment_splits') }}
    where experiment_id in (select experiment_id from exposures)

),

split_experiments as (

    select distinct experiment_id from splits

),

observed as (

    select
        experiment_id,
        variant,
        count(*) as persons_exposed,
        sum(case when variants_seen > 1 then 1 else 0 end) as persons_in_several_variants

    from exposures
    group by experiment_id, variant

),

variants as (

    select
        coalesce(observed.experiment_id, splits.experiment_id) as experiment_id,
        coalesce(observed.variant, splits.variant) as variant,
        coalesce(observed.persons_exposed, 0) as persons_exposed,
        coalesce(observed.persons_in_several_variants, 0) as persons_in_several_variants,
        case
            when splits.weight is not null then splits.weight
            when split_experiments.experiment_id is not null then 0.0
            else 1.0
        end as weight

    from observed
    full outer join splits on splits.experiment_id = observed.experiment_id and splits.variant = observed.variant
    left join split_experiments on split_experiments.experiment_id = observed.experiment_id

),

controls as (

    select
        variants.experiment_id,
        coalesce(
            max(case when variants.variant = settings.control_variant then variants.variant end),
            min(variants.variant)
        ) as control_variant

    from variants
    cross join settings
    group by variants.experiment_id

),

expected as (

    select
        *,
        sum(persons_exposed) over (partition by experiment_id) as experiment_persons,
        weight / sum(weight) over (partition by experiment_id) as expected_share,
        count(*) over (partition by experiment_id) as variant_count

    from variants

),

chi_square as (

    select
        experiment_id,
        sum(
            case
                when expected_share > 0
                    then power(persons_exposed - experiment_persons * expected_share, 2)
                    / (experiment_persons * expected_share)
            end
        ) as srm_chi_square,
        max(case when expected_share = 0 and persons_exposed > 0 then 1 else 0 end) = 1 as has_unplanned_variant,
        max(variant_count) - 1 as srm_degrees_of_freedom

    from expected
    where experiment_persons > 0
    group by experiment_id

),

checked as (

    select
        expected.experiment_id,
        expected.variant,
        expected.variant = controls.control_variant as is_control,
        controls.control_variant,
        expected.persons_exposed,
        expected.persons_in_several_variants,
        expected.expected_share,
        chi_square.srm_chi_square,
        case
            when chi_square.has_unplanned_variant then 0.0
            when chi_square.srm_degrees_of_freedom >= 1
                then {{ chi_square_sf('chi_square.srm_chi_square', 'chi_square.srm_degrees_of_freedom') }}
        end as srm_p_value

    from expected
    inner join controls on controls.experiment_id = expected.experiment_id
    inner join chi_square on chi_square.experiment_id = expected.experiment_id

),

flagged as (

    select
        *,
        coalesce(srm_p_value < 0.001, false) as has_sample_ratio_mismatch

    from checked

)

select * from flagged
