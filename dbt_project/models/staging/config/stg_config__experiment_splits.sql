with

source as (

    select * from {{ source('raw_config', 'experiment_splits') }}

),

renamed as (

    select
        experiment_id,
        variant,
        cast(weight as double) as weight

    from source

)

select * from renamed
