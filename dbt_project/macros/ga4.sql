{#- GA4 export helpers. DuckDB syntax; a Spark/BigQuery port replaces only these macros. -#}

{% macro ga4_params_map(column) -%}
    {#- event_params (JSON list of {key, value: {string_value|int_value|float_value|double_value}})
        as MAP(key -> value as text), so filters compare params without knowing their type. -#}
    map_from_entries(list_transform(
        from_json({{ column }}, '[{"key": "VARCHAR", "value": {"string_value": "VARCHAR", "int_value": "BIGINT", "float_value": "DOUBLE", "double_value": "DOUBLE"}}]'),
        lambda p: {'key': p.key, 'value': coalesce(
            p.value.string_value,
            cast(p.value.int_value as varchar),
            cast(coalesce(p.value.double_value, p.value.float_value) as varchar)
        )}
    ))
{%- endmacro %}

{% macro url_param(url, name) -%}
    {#- The value of query parameter `name` in `url`, URL-decoded; null when absent. -#}
    nullif(url_decode(regexp_extract({{ url }}, '[?&]{{ name }}=([^&#]*)', 1)), '')
{%- endmacro %}

{% macro ga4_default_channel_group(source, medium, campaign, source_category) -%}
    {#- GA4's default channel group (support.google.com/analytics/answer/9756891): the 18 rules in
        Google's order, the first that matches wins, else 'Unassigned'. `source_category` is the
        source's category from Google's list (seed ga4_source_categories): SOURCE_CATEGORY_SEARCH,
        _SOCIAL, _SHOPPING or _VIDEO, null when the source is not listed. -#}
    {%- set paid_medium = "regexp_matches(coalesce(" ~ medium ~ ", ''), '^(.*cp.*|ppc|retargeting|paid.*)$')" -%}
    {%- set shopping_campaign = "regexp_matches(coalesce(" ~ campaign ~ ", ''), '^(.*(([^a-df-z]|^)shop|shopping).*)$')" -%}
    case
        when {{ source }} = '(direct)' and {{ medium }} in ('(none)', '(not set)') then 'Direct'
        when contains(coalesce({{ campaign }}, ''), 'cross-network') then 'Cross-network'
        when ({{ source_category }} = 'SOURCE_CATEGORY_SHOPPING' or {{ shopping_campaign }}) and {{ paid_medium }}
            then 'Paid Shopping'
        when {{ source_category }} = 'SOURCE_CATEGORY_SEARCH' and {{ paid_medium }} then 'Paid Search'
        when {{ source_category }} = 'SOURCE_CATEGORY_SOCIAL' and {{ paid_medium }} then 'Paid Social'
        when {{ source_category }} = 'SOURCE_CATEGORY_VIDEO' and {{ paid_medium }} then 'Paid Video'
        when {{ medium }} in ('display', 'banner', 'expandable', 'interstitial', 'cpm') then 'Display'
        when {{ paid_medium }} then 'Paid Other'
        when {{ source_category }} = 'SOURCE_CATEGORY_SHOPPING' or {{ shopping_campaign }} then 'Organic Shopping'
        when {{ source_category }} = 'SOURCE_CATEGORY_SOCIAL'
             or {{ medium }} in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media')
            then 'Organic Social'
        when {{ source_category }} = 'SOURCE_CATEGORY_VIDEO' or regexp_matches(coalesce({{ medium }}, ''), '^(.*video.*)$')
            then 'Organic Video'
        when {{ source_category }} = 'SOURCE_CATEGORY_SEARCH' or {{ medium }} = 'organic' then 'Organic Search'
        when {{ medium }} in ('referral', 'app', 'link') then 'Referral'
        when {{ source }} in ('email', 'e-mail', 'e_mail', 'e mail') or {{ medium }} in ('email', 'e-mail', 'e_mail', 'e mail')
            then 'Email'
        when {{ medium }} = 'affiliate' then 'Affiliates'
        when {{ medium }} = 'audio' then 'Audio'
        when {{ source }} = 'sms' or {{ medium }} = 'sms' then 'SMS'
        when regexp_matches(coalesce({{ medium }}, ''), '(push$|mobile|notification)') or {{ source }} = 'firebase'
            then 'Mobile Push Notifications'
        else 'Unassigned'
    end
{%- endmacro %}
