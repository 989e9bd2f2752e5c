with

source as (

    select * from {{ source('raw_config', 'micro_conversions') }}

),

renamed as (

    select
        conversion_name,
        kind,
        event_name,
        {{ from_json_as("coalesce(params_json, '{}')", '"MAP(VARCHAR, VARCHAR)"', 'map<string, string>') }} as params,
        page_path as page_path_pattern,
        min_engaged_seconds,
        min_page_views

    from source

)

select * from renamed
