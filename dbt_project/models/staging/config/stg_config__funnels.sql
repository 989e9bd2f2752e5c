with

source as (

    select * from {{ source('raw_config', 'funnels') }}

),

renamed as (

    select
        funnel_name,
        order_mode,
        window_seconds,
        step_count,
        breakdown_limit

    from source

)

select * from renamed
