with

source as (

    select * from {{ source('raw_config', 'funnel_breakdowns') }}

),

renamed as (

    select
        funnel_name,
        breakdown_index,
        property_path,
        property_scope,
        property_key

    from source

)

select * from renamed
