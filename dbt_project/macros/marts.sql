{#- Dialect differences of the marts (models/marts/funnels, core, conversions): one dispatch macro
    each, `default__` DuckDB's SQL, `spark__` Spark's. -#}

{% macro path_page_group(page_path, depth) -%}
    {#- A page path's first `depth` segments as a path: /products/trail-shoe/ -> /products at depth 1. -#}
    {{ return(adapter.dispatch('path_page_group', 'microfunnel')(page_path, depth)) }}
{%- endmacro %}

{% macro default__path_page_group(page_path, depth) -%}
    '/' || array_to_string(
        list_slice(
            string_split(trim({{ page_path }}, '/'), '/'), 1, {{ depth }}
        ),
        '/'
    )
{%- endmacro %}

{% macro spark__path_page_group(page_path, depth) -%}
    '/' || array_join(slice(split(trim(both '/' from {{ page_path }}), '/'), 1, {{ depth }}), '/')
{%- endmacro %}
