with

source as (

    select * from {{ source('raw_config', 'funnel_exclusions') }}

),

renamed as (

    select
        funnel_name,
        exclusion_index,
        step_name,
        from_step_index,
        to_step_index

    from source

)

select * from renamed
