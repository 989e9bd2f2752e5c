with

source as (

    select * from {{ source('raw_config', 'experiment_settings') }}

),

renamed as (

    select
        id_param,
        variant_param,
        window_seconds,
        control_variant

    from source

)

select * from renamed
