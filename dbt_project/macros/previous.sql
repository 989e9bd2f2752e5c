{#- Models that read their own previous version (incremental bookkeeping). -#}

{% macro previous_or_empty(columns) -%}
    {#- The previous version of this model ({{ this }}), or a typed empty set with the same columns
        on a first run and with --full-refresh. `columns` maps each column to its SQL type, in order.
        An incremental model asks is_incremental() (so unit tests can override it); any other model
        (a table that compares itself with its last build) asks whether its relation exists. -#}
    {%- if config.get('materialized') == 'incremental' or this is none or this is string -%}
        {#- (a unit test's `this` is a fixture, not a relation: it says with is_incremental()) -#}
        {%- set has_previous = is_incremental() -%}
    {%- else -%}
        {%- set has_previous = adapter.get_relation(this.database, this.schema, this.identifier) is not none
            and not flags.FULL_REFRESH -%}
    {%- endif -%}
    {%- if has_previous -%}
    select {{ columns.keys() | join(', ') }}
    from {{ this }}
    {%- else -%}
    select
        {%- for name, type in columns.items() %}
        cast(null as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
    {%- endif %}
{%- endmacro %}
