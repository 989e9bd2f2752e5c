with

source as (

    select * from {{ source('raw_config', 'reporting') }}

),

renamed as (

    select
        nullif(time_zone, '') as time_zone,
        nullif(currency, '') as currency

    from source

)

select * from renamed
