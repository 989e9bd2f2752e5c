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

{% macro ga4_default_channel_group(source, medium, gclid) -%}
    {#- GA4's default channel group, for the sources a shop sees (support.google.com/analytics/answer/9756891).
        Evaluated in GA4's order: the first matching rule wins. -#}
    case
        when {{ gclid }} is not null then 'Paid Search'
        when {{ source }} = '(direct)' and coalesce({{ medium }}, '(none)') in ('(none)', '(not set)') then 'Direct'
        when regexp_matches({{ source }}, '(facebook|instagram|meta|fb|ig|tiktok|pinterest|linkedin|twitter|x\.com|reddit)')
             and regexp_matches(coalesce({{ medium }}, ''), '^(.*cp.*|ppc|retargeting|paid.*)$') then 'Paid Social'
        when regexp_matches({{ source }}, '(google|bing|yahoo|duckduckgo|ecosia|baidu)')
             and regexp_matches(coalesce({{ medium }}, ''), '^(.*cp.*|ppc|retargeting|paid.*)$') then 'Paid Search'
        when regexp_matches(coalesce({{ medium }}, ''), '^(.*cp.*|ppc|retargeting|paid.*)$') then 'Paid Other'
        when regexp_matches(coalesce({{ medium }}, ''), '^(display|banner|expandable|interstitial|cpm)$') then 'Display'
        when regexp_matches({{ source }}, '(google|bing|yahoo|duckduckgo|ecosia|baidu)') and {{ medium }} = 'organic'
            then 'Organic Search'
        when regexp_matches({{ source }}, '(facebook|instagram|meta|fb|ig|tiktok|pinterest|linkedin|twitter|x\.com|reddit)')
             or {{ medium }} in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media')
            then 'Organic Social'
        when {{ medium }} in ('email', 'e-mail', 'e_mail', 'e mail') or {{ source }} in ('email', 'e-mail', 'newsletter')
            then 'Email'
        when {{ medium }} = 'affiliate' then 'Affiliates'
        when {{ medium }} = 'referral' then 'Referral'
        else 'Unassigned'
    end
{%- endmacro %}
