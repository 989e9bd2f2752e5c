with

source as (

    select * from {{ source('raw_config', 'audiences') }}

),

renamed as (

    select
        audience_name,
        description as audience_description,
        lookback_seconds

    from source

)

select * from renamed
