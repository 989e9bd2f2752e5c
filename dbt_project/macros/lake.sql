{#- Raw tables where the engine reads them. DuckDB: dlt loads the warehouse's raw_* schemas itself,
    nothing to do. Spark: dlt's filesystem destination writes Parquet under MICROFUNNEL_LAKE_PATH as
    <lake>/<dataset>/<table>/*.parquet; at the start of every dbt invocation, each source table a
    selected node reads is (re)registered over its folder, so a new load file or a new column is
    seen. Only those: registering one table infers its schema from every file's footer, and the
    day-grained step, which reads no source, spent 15 s registering all 29 (DECISIONLOG). -#}

{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'microfunnel')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- if execute -%}
        {%- set lake = env_var('MICROFUNNEL_LAKE_PATH', '../data/lake') -%}
        {%- set schemas = [] -%}
        {%- for node in lake_sources_read_by(selected_resources) -%}
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

{% macro lake_sources_read_by(unique_ids) -%}
    {#- The source nodes that the nodes `unique_ids` (models, tests, seeds) depend on directly, each
        once, in the order first met. -#}
    {%- set source_ids = [] -%}
    {%- for unique_id in unique_ids -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- for parent in (node.depends_on.nodes if node else []) -%}
            {%- if parent in graph.sources and parent not in source_ids -%}
                {%- do source_ids.append(parent) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set sources = [] -%}
    {%- for source_id in source_ids -%}
        {%- do sources.append(graph.sources[source_id]) -%}
    {%- endfor -%}
    {{ return(sources) }}
{%- endmacro %}
