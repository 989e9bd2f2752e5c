{#- Identity graph helpers. The connected-components query is adapter-specific (DuckDB: two
    contraction levels in plain SQL, then a recursive CTE with USING KEY on what is left); another
    engine adds <adapter>__identity_connected_components. -#}

{% macro identity_connected_components(edges, left_column, right_column) -%}
    {{ return(adapter.dispatch('identity_connected_components', 'microfunnel')(edges, left_column, right_column)) }}
{%- endmacro %}

{% macro default__identity_connected_components(edges, left_column, right_column) -%}
    {{ exceptions.raise_compiler_error(
        "identity_connected_components has no implementation for the " ~ adapter.type() ~ " adapter; add a macro "
        ~ adapter.type() ~ "__identity_connected_components to dbt_project/macros/identity.sql (the contraction "
        ~ "levels of the duckdb one are portable SQL; only the recursive CTE at its end is not)") }}
{%- endmacro %}

{% macro duckdb__identity_connected_components(edges, left_column, right_column) -%}
    {#- Connected components whose cost does not grow with the graph's diameter (DECISIONLOG.md).

        1. Every node points at the smallest of itself and its neighbours (one group-by over the
           edges, which also finds the leaves: nodes of degree 1, about half of an identity graph).
        2. Contraction: every inner node is replaced by its pointer's pointer and every edge between
           inner nodes by the edge between those; edges that fall inside one node vanish. Leaves sit
           out and take their neighbour's label at the end; a leaf smaller than its neighbour is
           still what its neighbour points at, so the smallest id of a component survives every
           contraction. A second level on the contracted graph leaves under 1% of the edges (the
           normal shape, a 2,000-hop chain and a 10,000-cookie hub alike).
        3. On what is left, label propagation with pointer jumping in a recursive CTE (USING KEY;
           `recurring.` is the labels so far; only the nodes changed in the last round act):
           a changed node passes its label to its neighbours and to their parents (hooking), the
           nodes pointing at it follow it, and it jumps to its parent's label (shortcutting).
           Rounds grow with the log of the diameter (a 2,000-hop chain: 12, where plain
           propagation needs 2,000; a chain whose ids rise along it does not contract, and is
           finished here), and each round scans only the small remaining graph.
        4. Labels travel back down: the remaining graph's label of a node's image, else the image.
        Every step keeps a label inside its component and the component's smallest id as its own
        image, so the result is exact: component_id is the smallest node id of the component. -#}
    with recursive

    links as materialized (

        select {{ left_column }} as node_a, {{ right_column }} as node_b from {{ edges }}
        where {{ left_column }} <> {{ right_column }}

    ),

    nodes as materialized (

        select
            node_id,
            count(*) > 1 as is_inner,
            min(linked_node_id) as first_linked_node_id,
            least(node_id, min(linked_node_id)) as pointer
        from (
            select node_a as node_id, node_b as linked_node_id from links
            union all
            select node_b, node_a from links
        ) as directed
        group by node_id

    ),

    inner_pointers as materialized (

        select node_id, pointer from nodes where is_inner

    ),

    inner_roots as materialized (

        {# A pointer that is not inner is a leaf smaller than its only neighbour: a root. #}
        select inner_pointers.node_id, coalesce(parent.pointer, inner_pointers.pointer) as root
        from inner_pointers
        left join inner_pointers as parent on parent.node_id = inner_pointers.pointer

    ),

    contracted_links as materialized (

        select root_a.root as node_a, root_b.root as node_b
        from links
        inner join inner_roots as root_a on root_a.node_id = links.node_a
        inner join inner_roots as root_b on root_b.node_id = links.node_b
        where root_a.root <> root_b.root

    ),

    contracted_pointers as materialized (

        select node_id, least(node_id, min(linked_node_id)) as pointer
        from (
            select node_a as node_id, node_b as linked_node_id from contracted_links
            union all
            select node_b, node_a from contracted_links
        ) as directed
        group by node_id

    ),

    contracted_roots as materialized (

        select contracted_pointers.node_id, parent.pointer as root
        from contracted_pointers
        inner join contracted_pointers as parent on parent.node_id = contracted_pointers.pointer

    ),

    remaining_links as materialized (

        select root_a.root as node_id, root_b.root as linked_node_id
        from contracted_links
        inner join contracted_roots as root_a on root_a.node_id = contracted_links.node_a
        inner join contracted_roots as root_b on root_b.node_id = contracted_links.node_b
        where root_a.root <> root_b.root

    ),

    remaining_directed as materialized (

        select node_id, linked_node_id from remaining_links
        union all
        select linked_node_id, node_id from remaining_links

    ),

    {# No filter compares two labels in the recursive step: DuckDB may plan such a comparison as
       an inequality join (hundreds of millions of rows); the HAVING keeps only improvements. #}
    propagated (node_id, component_id) using key (node_id) as (

        select node_id, least(node_id, min(linked_node_id))
        from remaining_directed
        group by node_id

        union

        (
            with

            changed as (

                select node_id, component_id from propagated

            ),

            candidates as (

                select remaining_directed.linked_node_id as node_id, changed.component_id
                from changed
                inner join remaining_directed on remaining_directed.node_id = changed.node_id

                union all

                select neighbour.component_id, changed.component_id
                from changed
                inner join remaining_directed on remaining_directed.node_id = changed.node_id
                inner join recurring.propagated as neighbour
                    on neighbour.node_id = remaining_directed.linked_node_id

                union all

                select child.node_id, changed.component_id
                from recurring.propagated as child
                inner join changed on changed.node_id = child.component_id

                union all

                select changed.node_id, parent.component_id
                from changed
                inner join recurring.propagated as parent on parent.node_id = changed.component_id

            )

            select candidates.node_id, min(candidates.component_id)
            from candidates
            inner join recurring.propagated as so_far on so_far.node_id = candidates.node_id
            group by candidates.node_id
            having min(candidates.component_id) < min(so_far.component_id)
        )

    ),

    contracted_labels as (

        select contracted_roots.node_id, coalesce(propagated.component_id, contracted_roots.root) as component_id
        from contracted_roots
        left join propagated on propagated.node_id = contracted_roots.root

    ),

    inner_labels as materialized (

        select inner_roots.node_id, coalesce(contracted_labels.component_id, inner_roots.root) as component_id
        from inner_roots
        left join contracted_labels on contracted_labels.node_id = inner_roots.root

    ),

    leaf_labels as (

        {# A leaf whose neighbour is a leaf too is a component of two. #}
        select nodes.node_id, coalesce(inner_labels.component_id, nodes.pointer) as component_id
        from nodes
        left join inner_labels on inner_labels.node_id = nodes.first_linked_node_id
        where not nodes.is_inner

    )

    select node_id, component_id from inner_labels
    union all
    select node_id, component_id from leaf_labels
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
