with

source as (

    select * from {{ source('raw_config', 'identity_max_links') }}

),

renamed as (

    select
        identifier_type,
        linked_type,
        max_links

    from source

)

select * from renamed
