{#- Identity graph helpers. The connected-components query is adapter-specific (DuckDB: a
    recursive CTE with USING KEY); another engine adds <adapter>__identity_connected_components. -#}

{% macro identity_connected_components(edges, left_column, right_column) -%}
    {{ return(adapter.dispatch('identity_connected_components', 'microfunnel')(edges, left_column, right_column)) }}
{%- endmacro %}

{% macro default__identity_connected_components(edges, left_column, right_column) -%}
    {{ exceptions.raise_compiler_error(
        "identity_connected_components has no implementation for the " ~ adapter.type() ~ " adapter; add a macro "
        ~ adapter.type() ~ "__identity_connected_components to dbt_project/macros/identity.sql") }}
{%- endmacro %}

{% macro duckdb__identity_connected_components(edges, left_column, right_column) -%}
    {#- Min-label propagation that only revisits the nodes whose label changed in the last round
        (USING KEY keeps one row per node; `recurring.` reads the labels so far). Nodes of degree 1
        never pass a label on, so they sit out the rounds and take their neighbour's label at the
        end: about half the edges of an identity graph are such leaves (click ids, lone orders). -#}
    with recursive

    directed as (

        select {{ left_column }} as node_id, {{ right_column }} as linked_node_id from {{ edges }}
        where {{ left_column }} <> {{ right_column }}
        union
        select {{ right_column }}, {{ left_column }} from {{ edges }}
        where {{ left_column }} <> {{ right_column }}

    ),

    degrees as (

        select node_id, count(*) as degree, least(node_id, min(linked_node_id)) as start_label
        from directed
        group by node_id

    ),

    inner_edges as (

        select directed.node_id, directed.linked_node_id
        from directed
        inner join degrees as from_degree on from_degree.node_id = directed.node_id and from_degree.degree > 1
        inner join degrees as to_degree on to_degree.node_id = directed.linked_node_id and to_degree.degree > 1

    ),

    propagated (node_id, component_id) using key (node_id) as (

        select node_id, start_label from degrees where degree > 1

        union

        select inner_edges.linked_node_id, min(changed.component_id)
        from propagated as changed
        inner join inner_edges on inner_edges.node_id = changed.node_id
        inner join recurring.propagated as so_far on so_far.node_id = inner_edges.linked_node_id
        group by inner_edges.linked_node_id
        having min(changed.component_id) < min(so_far.component_id)

    ),

    leaves as (

        select
            directed.node_id,
            coalesce(propagated.component_id, least(directed.node_id, directed.linked_node_id)) as component_id
        from directed
        inner join degrees on degrees.node_id = directed.node_id and degrees.degree = 1
        left join propagated on propagated.node_id = directed.linked_node_id

    )

    select node_id, component_id from propagated
    union all
    select node_id, component_id from leaves
{%- endmacro %}

{% macro identity_person_id(identifier_type, identifier_value) -%}
    {#- The id a person gets from its anchor identifier: short, opaque and the same on every run. -#}
    'p_' || left(md5({{ identifier_type }} || ':' || {{ identifier_value }}), 16)
{%- endmacro %}

{% macro identity_run_started_at() -%}
    {#- This run's start as a UTC timestamp literal: when ids are issued and retired. A macro so unit
        tests can pin it. -#}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}
