with

source as (

    select * from {{ source('raw_config', 'funnel_exclusions') }}

),

renamed as (

    select
        funnel_name,
        step_name

    from source

)

select * from renamed
