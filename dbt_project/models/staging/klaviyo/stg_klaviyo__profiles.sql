{#- ga_client_id: the shop's sign-up form passes the GA cookie as a hidden field (profile property
    named by var microfunnel__klaviyo_ga_client_id_property), in `_ga` form or bare; kept in
    user_pseudo_id form. -#}
{%- set property = var('microfunnel__klaviyo_ga_client_id_property') -%}
with

source as (

    select * from {{ source('raw_klaviyo', 'profiles') }}

),

renamed as (

    select
        id as profile_id,
        email_hash,
        external_id,
        -- [0-9] and [.], not \d and \.: Spark's string literals drop a backslash
        nullif(
            regexp_replace({{ json_text('properties', '$.' ~ property) }}, '^GA[0-9]+[.][0-9]+[.]', ''), ''
        ) as ga_client_id,
        {{ utc_timestamp('created') }} as created_at,
        {{ utc_timestamp('updated') }} as updated_at

    from source

)

select * from renamed
