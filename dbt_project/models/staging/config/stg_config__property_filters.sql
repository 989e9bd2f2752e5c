with

source as (

    select * from {{ source('raw_config', 'property_filters') }}

),

renamed as (

    select
        filter_owner,
        funnel_name,
        owner_index,
        conversion_name,
        condition_index,
        property_path,
        property_scope,
        property_key,
        operator,
        {{ from_json_as("coalesce(text_values_json, '[]')", '["VARCHAR"]', 'array<string>') }} as text_values,
        {{ from_json_as("coalesce(number_values_json, '[]')", '["DOUBLE"]', 'array<double>') }} as number_values,
        pattern,
        number,
        is_set

    from source

)

select * from renamed
