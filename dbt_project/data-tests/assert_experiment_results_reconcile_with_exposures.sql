-- Fails when fct_experiment_results disagrees with the exposures it counts: a variant's
-- persons_exposed is not the number of persons first exposed to it, more persons converted than
-- were exposed, or a variant lacks the row of some conversion. A failure means the mart's joins
-- dropped or doubled persons, and every rate and test of that experiment is wrong.
{{ config(meta={'dagster': {'ref': {'name': 'fct_experiment_results'}}}) }}
with

results as (

    select * from {{ ref('fct_experiment_results') }}

),

exposures as (

    select experiment_id, variant, count(*) as persons_exposed
    from {{ ref('int_experiment_exposures') }}
    group by experiment_id, variant

),

rows_per_variant as (

    select experiment_id, variant, count(distinct conversion_name) as conversions
    from results
    group by experiment_id, variant

),

problems as (

    select results.experiment_id, results.variant, results.conversion_name, 'persons_exposed' as problem
    from results
    left join exposures
        on exposures.experiment_id = results.experiment_id and exposures.variant = results.variant
    where results.persons_exposed <> coalesce(exposures.persons_exposed, 0)

    union all

    select experiment_id, variant, conversion_name, 'more converted than exposed' as problem
    from results
    where persons_converted > persons_exposed

    union all

    select experiment_id, variant, null as conversion_name, 'a conversion row missing' as problem
    from rows_per_variant
    where conversions <> (select count(distinct conversion_name) from results)

)

select * from problems
