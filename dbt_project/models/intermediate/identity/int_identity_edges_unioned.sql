{#- Every identity edge of every source in one shape; a project without Shopify contributes GA4's
    edges only (var microfunnel__shopify_enabled). -#}
{%- set columns = 'edge_source, identifier_type_a, identifier_value_a, identifier_type_b, identifier_value_b, first_seen_at, last_seen_at' %}
with

ga4_edges as (

    select {{ columns }} from {{ ref('int_identity_edges__ga4') }}

),

{% if var('microfunnel__shopify_enabled', true) %}
shopify_edges as (

    select {{ columns }} from {{ ref('int_identity_edges__shopify') }}

),
{% endif %}

unioned as (

    select * from ga4_edges
{%- if var('microfunnel__shopify_enabled', true) %}
    union all
    select * from shopify_edges
{%- endif %}

)

select * from unioned
