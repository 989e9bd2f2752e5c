with

source as (

    select * from {{ source('raw_config', 'funnels') }}

),

renamed as (

    select
        funnel_name,
        -- the funnel engine's integer key (1, 2, ... by name): its models carry it, not the name
        row_number() over (order by funnel_name) as funnel_key,
        order_mode,
        window_seconds,
        step_count,
        breakdown_limit

    from source

)

select * from renamed
