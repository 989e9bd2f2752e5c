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
        from_json(coalesce(text_values_json, '[]'), '["VARCHAR"]') as text_values,
        from_json(coalesce(number_values_json, '[]'), '["DOUBLE"]') as number_values,
        pattern,
        number,
        is_set

    from source

)

select * from renamed
