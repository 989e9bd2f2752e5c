with

source as (

    select * from {{ source('raw_config', 'identity_blocklist') }}

),

renamed as (

    select
        identifier_type,
        identifier_value,
        reason

    from source

)

select * from renamed
