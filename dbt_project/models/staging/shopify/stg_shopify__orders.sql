{#- One row per Shopify order, typed. The visit fields come from Shopify's own last visit before
    the order (customerJourneySummary.lastVisit): the session that converted. The GA client id is
    the order's custom attribute, stripped of a `_ga` cookie's `GA1.1.` prefix so it equals GA4's
    user_pseudo_id. -#}
{%- set ga_keys = var('microfunnel__ga_client_id_attributes') -%}
with

source as (

    select * from {{ source('raw_shopify', 'orders') }}

),

renamed as (

    select
        legacy_resource_id as order_id,
        id as order_gid,
        name as order_name,
        customer__legacy_resource_id as customer_id,
        email_hash,
        {{ utc_timestamp('created_at') }} as ordered_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        {{ utc_timestamp('cancelled_at') }} as cancelled_at,
        cancelled_at is not null as is_cancelled,
        coalesce(test, false) as is_test,
        currency_code as currency,
        cast(subtotal_price_set__shop_money__amount as decimal(18, 4)) as subtotal,
        cast(total_shipping_price_set__shop_money__amount as decimal(18, 4)) as shipping,
        cast(total_tax_set__shop_money__amount as decimal(18, 4)) as tax,
        cast(total_price_set__shop_money__amount as decimal(18, 4)) as total_price,
        cast(coalesce(total_refunded_set__shop_money__amount, 0) as decimal(18, 4)) as total_refunded,
        display_financial_status as financial_status,
        -- [0-9] and [.], not \d and \.: Spark's string literals drop a backslash
        regexp_replace(
            {{ json_entry_value('custom_attributes', 'key', ga_keys) }},
            '^GA[0-9]+[.][0-9]+[.]', ''
        ) as ga_client_id,
        customer_journey_summary__last_visit__landing_page as landing_page_url,
        customer_journey_summary__last_visit__referrer_url as referrer_url,
        customer_journey_summary__last_visit__utm_parameters__source as utm_source,
        customer_journey_summary__last_visit__utm_parameters__medium as utm_medium,
        customer_journey_summary__last_visit__utm_parameters__campaign as utm_campaign

    from source

)

select * from renamed
