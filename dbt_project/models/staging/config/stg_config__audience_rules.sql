with

source as (

    select * from {{ source('raw_config', 'audience_rules') }}

),

renamed as (

    select
        audience_name,
        rule_type,
        rule_index,
        conversion_name,
        at_least,
        within_seconds

    from source

)

select * from renamed
