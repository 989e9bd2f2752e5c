{#- Models that read their own previous version (incremental bookkeeping). -#}

{% macro previous_or_empty(columns, relation=none) -%}
    {#- The previous version of this model ({{ this }}), or a typed empty set with the same columns
        on a first run and with --full-refresh. `columns` maps each column to its SQL type, in order.
        An incremental model asks is_incremental() (so unit tests can override it); any other model
        (a table that compares itself with its last build) asks whether its relation exists.
        On an engine that rebuilds the incremental models in full (incremental_materialization() is
        'table': Spark) every build is a first run: the previous rows are what these models skip
        (node numbers and person ids kept, unchanged persons not recomputed) and their downstream
        tables are rebuilt in full too, so reading them would drop rows; a table's old build is
        also gone by then (dbt-spark drops a Parquet table before it creates the new one).
        With `relation`, that table instead of {{ this }}: a record another model keeps for this
        one (applied_funnel_fingerprints), read when it exists and the build is not a full refresh. -#}
    {%- if incremental_materialization() != 'incremental' -%}
        {%- set has_previous = false -%}
    {%- elif relation is not none -%}
        {%- set has_previous = not flags.FULL_REFRESH and execute
            and adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none -%}
    {%- elif config.get('materialized') == 'incremental' or this is none or this is string -%}
        {#- (a unit test's `this` is a fixture, not a relation: it says with is_incremental()) -#}
        {%- set has_previous = is_incremental() -%}
    {%- else -%}
        {%- set has_previous = adapter.get_relation(this.database, this.schema, this.identifier) is not none
            and not flags.FULL_REFRESH -%}
    {%- endif -%}
    {%- if has_previous -%}
    select {{ columns.keys() | join(', ') }}
    from {{ relation if relation is not none else this }}
    {%- else -%}
    {#- (varchar is DuckDB's name for a string; Spark refuses it bare: dbt.type_string() is every engine's) #}
    select
        {%- for name, type in columns.items() %}
        cast(null as {{ dbt.type_string() if type == 'varchar' else type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
    {%- endif %}
{%- endmacro %}

{% macro applied_funnel_fingerprints(fingerprints) -%}
    {#- The fingerprints fct_funnel_steps was last brought up to date with: a table beside
        `fingerprints` (the relation of int_funnel_person_fingerprints), written by fct_funnel_steps'
        post-hook in the same transaction as its rows. int_funnel_person_fingerprints compares with
        this record, not with its own last build: a run that stops between the two models (killed,
        or a failed test that skips what follows) leaves the record as it was, so the next run
        recomputes those persons again instead of believing them done. -#}
    {{ return(fingerprints.incorporate(path={'identifier': fingerprints.identifier ~ '_applied'})) }}
{%- endmacro %}
