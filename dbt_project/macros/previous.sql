{#- Incremental bookkeeping: models that read their own previous version, and the fingerprints
    with which a model incremental by key (fct_funnel_steps, int_person_events and the paths by
    person; the session models by session: incremental_by_fingerprints) finds what to recompute
    and records what it applied. -#}

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
        one (applied_fingerprints), read when it exists and the build is not a full refresh. -#}
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

{% macro applied_fingerprints(relation) -%}
    {#- The fingerprints a model last brought its rows up to date with: a table beside `relation`
        (its name + `_applied`), rewritten by that model's post-hook (record_applied_fingerprints)
        in the same transaction as its rows. Compared with this record rather than with the
        fingerprint model's own last build, a run that stops between the fingerprints and the
        model (killed, or a failed test that skips what follows) leaves the record as it was, so
        the next run recomputes those keys again instead of believing them done. -#}
    {{ return(relation.incorporate(path={'identifier': relation.identifier ~ '_applied'})) }}
{%- endmacro %}

{% macro record_applied_fingerprints(record, fingerprints, key) -%}
    {#- A post-hook: `record` (applied_fingerprints(...)) now holds `fingerprints`' key and
        fingerprint, rewritten whole (updating only the keys that differ measured no cheaper: finding
        them costs what writing them does). Drops this build's recompute set
        (delete_keys_to_recompute), if it made one. Only where incremental models are incremental
        (DuckDB). -#}
    {%- if incremental_materialization() == 'incremental' -%}
    create or replace table {{ record }} as select {{ key }}, fingerprint from {{ fingerprints }};
    drop table if exists {{ recompute_set(this) }}
    {%- endif -%}
{%- endmacro %}

{% macro incremental_by_fingerprints(fingerprints, key) -%}
    {#- The config of a model incremental by `key` over the fingerprint model named `fingerprints`
        (key, fingerprint): `{{ config(**incremental_by_fingerprints('int_x_fingerprints', 'x_id')) }}`,
        with `-- depends_on: {{ ref('int_x_fingerprints') }}` and, in its SQL, the rows of
        keys_to_recompute(key) under is_incremental(). Its pre-hook deletes the rows it recomputes
        (delete_keys_to_recompute), its post-hook records what it applied in the same transaction
        (record_applied_fingerprints). On Spark a full table rebuild (incremental_materialization). -#}
    {{ return({
        'materialized': incremental_materialization(),
        'incremental_strategy': 'append',
        'pre_hook': "{{ delete_keys_to_recompute(ref('" ~ fingerprints ~ "'), '" ~ key ~ "') }}",
        'post_hook': "{{ record_applied_fingerprints(applied_fingerprints(this), ref('" ~ fingerprints
            ~ "'), '" ~ key ~ "') }}",
    }) }}
{%- endmacro %}

{% macro recompute_set(model) -%}
    {#- The temporary table of the keys `model` recomputes in this build (delete_keys_to_recompute
        writes it, keys_to_recompute reads it, record_applied_fingerprints drops it): computed once. -#}
    {{ return(model.identifier ~ '__recompute') }}
{%- endmacro %}

{% macro rows_to_recompute(relation, key) -%}
    {#- `relation`'s rows of the keys this build recomputes (all of them when it is not
        incremental): the input CTEs of a model configured with incremental_by_fingerprints. -#}
    select * from {{ relation }}
    {%- if is_incremental() %}
    where {{ key }} in ({{ keys_to_recompute(key) }})
    {%- endif %}
{%- endmacro %}

{% macro keys_to_recompute(key) -%}
    {#- The keys this incremental build recomputes (the pre-hook's recompute_set), for the model's
        `where key in (...)` under is_incremental(). -#}
    select {{ key }} from {{ recompute_set(this) }}
{%- endmacro %}

{% macro keys_changed_since_applied(fingerprints, key) -%}
    {#- The keys of `fingerprints` (key, fingerprint) whose fingerprint differs from this model's
        record (applied_fingerprints(this)): new, changed, or every key when there is no record
        (first run, --full-refresh, Spark). For a model incremental by `key`. -#}
    select fingerprints.{{ key }}
    from {{ fingerprints }} as fingerprints
    left join (
        {{ previous_or_empty({key: 'varchar', 'fingerprint': 'varchar'}, applied_fingerprints(this)) }}
    ) as applied on applied.{{ key }} = fingerprints.{{ key }}
    where applied.fingerprint is distinct from fingerprints.fingerprint
{%- endmacro %}

{% macro fingerprint_hash(columns) -%}
    {#- A 64-bit hash of a row's columns, bit_xor-ed per key in the fingerprint models
        (int_funnel_person_fingerprints, int_session_fingerprints). Engine-specific values: a
        fingerprint is only compared with the same engine's. -#}
    {{ return(adapter.dispatch('fingerprint_hash', 'microfunnel')(columns)) }}
{%- endmacro %}

{% macro default__fingerprint_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__fingerprint_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{% macro delete_keys_to_recompute(fingerprints, key) -%}
    {#- A pre-hook of a model incremental by `key` over a fingerprint model: write the keys it
        recomputes (keys_changed_since_applied) to this build's recompute_set, then delete its rows
        of those keys and of the keys that no longer exist. -#}
    {%- if is_incremental() -%}
    create or replace temp table {{ recompute_set(this) }} as
    {{ keys_changed_since_applied(fingerprints, key) }};
    delete from {{ this }}
    where {{ key }} in (select {{ key }} from {{ recompute_set(this) }})
        or {{ key }} not in (select {{ key }} from {{ fingerprints }})
    {%- endif -%}
{%- endmacro %}
