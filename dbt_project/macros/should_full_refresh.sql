{% macro should_full_refresh() -%}
    {#- dbt's own rule (the model's `full_refresh` config, else the --full-refresh flag), and one
        more: an incremental model whose table was built when a column had an older type is rebuilt
        whole, once, instead of stopping every run on on_schema_change='fail'. The model names the
        old shapes in `meta: {rebuild_when_built_as: {column: type prefix}}` (stg_ga4__events:
        event_params was a MAP). Overrides dbt's macro of this name, which is_incremental() and the
        incremental materializations call. -#}
    {%- set configured = config.get('full_refresh') -%}
    {%- if configured is not none -%}
        {{ return(configured) }}  {#- the model's own word wins, as in dbt: `false` never rebuilds -#}
    {%- endif -%}
    {{ return(flags.FULL_REFRESH or built_with_an_older_column_type()) }}
{%- endmacro %}

{% macro built_with_an_older_column_type() -%}
    {#- True when `this` exists and one of the columns named in meta.rebuild_when_built_as has a
        type starting with the old shape's prefix (case-insensitive). -#}
    {%- set old_shapes = (config.get('meta') or {}).get('rebuild_when_built_as') or {} -%}
    {%- if not old_shapes or not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- if relation is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- set old_prefix = old_shapes.get(column.name) -%}
        {%- if old_prefix and column.data_type.upper().startswith(old_prefix.upper()) -%}
            {%- do log(this ~ ": column " ~ column.name ~ " was built as " ~ column.data_type
                       ~ "; rebuilding the table whole once", info=true) -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}
