{#- Raw tables where the engine reads them. DuckDB: dlt loads the warehouse's raw_* schemas itself,
    nothing to do. Spark: dlt's filesystem destination writes Parquet under MICROFUNNEL_LAKE_PATH as
    <lake>/<dataset>/<table>/*.parquet; each enabled source table is (re)registered over its folder at
    the start of every dbt invocation, so a new load file or a new column is seen. -#}

{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'microfunnel')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- if execute -%}
        {%- set lake = env_var('MICROFUNNEL_LAKE_PATH', '../data/lake') -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.schema not in schemas -%}
                {%- do run_query('create database if not exists ' ~ node.schema) -%}
                {%- do schemas.append(node.schema) -%}
            {%- endif -%}
            {%- set relation = node.schema ~ '.' ~ node.identifier -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query('create table ' ~ relation ~ " using parquet options (mergeSchema 'true') location '"
                             ~ lake ~ '/' ~ node.schema ~ '/' ~ node.identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
