{#- Purchases follow Ads Manager's "Purchases" column: omni_purchase, else purchase, else the pixel's
    offsite_conversion.fb_pixel_purchase (the same purchase appears under all three). -#}
{%- set purchase_types = ['omni_purchase', 'purchase', 'offsite_conversion.fb_pixel_purchase'] -%}
{%- set pick -%}
{{ json_entry_value('COLUMN', 'action_type', ['KIND']) }}
{%- endset -%}
with

source as (

    select * from {{ source('raw_meta_ads', 'campaign_insights') }}

),

renamed as (

    select
        date_start as date_day,
        account_id,
        campaign_id,
        campaign_name,
        cast(spend as decimal(18, 6)) as spend,
        coalesce(impressions, 0) as impressions,
        coalesce(clicks, 0) as clicks,
        cast(coalesce({{ pick | replace('COLUMN', 'actions') | replace('KIND', 'link_click') }}, '0') as bigint) as link_clicks,  -- noqa: LT05
        cast(coalesce({{ pick | replace('COLUMN', 'actions') | replace('KIND', 'landing_page_view') }}, '0') as bigint) as landing_page_views,  -- noqa: LT05
        cast(coalesce(
            {%- for kind in purchase_types %} {{ pick | replace('COLUMN', 'actions') | replace('KIND', kind) }},{% endfor %} '0'  -- noqa: LT05
        ) as double) as purchases,
        cast(coalesce(
            {%- for kind in purchase_types %} {{ pick | replace('COLUMN', 'action_values') | replace('KIND', kind) }},{% endfor %} '0'  -- noqa: LT05
        ) as decimal(18, 4)) as purchase_value,
        account_currency as currency

    from source

)

select * from renamed
