with

source as (

    select * from {{ source('raw_config', 'funnel_steps') }}

),

renamed as (

    select
        funnel_name,
        step_index,
        step_name

    from source

)

select * from renamed
