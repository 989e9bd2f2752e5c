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
        nullif(regexp_replace(properties ->> '$.{{ property }}', '^GA\d+\.\d+\.', ''), '') as ga_client_id,
        cast(created at time zone 'UTC' as timestamp) as created_at,
        cast(updated at time zone 'UTC' as timestamp) as updated_at

    from source

)

select * from renamed
