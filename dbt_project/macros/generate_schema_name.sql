{#- Schemas are exactly the folder's +schema (staging, intermediate, marts), not <target>_<schema>:
    BI users read `marts.fct_funnel_steps`, whatever target built it. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
