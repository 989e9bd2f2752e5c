{#- Identity graph helpers. The connected-components query is adapter-specific (DuckDB: two
    contraction levels in plain SQL, then a recursive CTE with USING KEY on what is left; Spark: the
    same contraction levels, then rounds of label propagation run as statements of their own); another
    engine adds <adapter>__identity_connected_components. -#}

{% macro identity_connected_components(edges, left_column, right_column, edges_relation=none) -%}
    {#- edges_relation: the relation `edges` reads, for an engine that computes the components in
        statements of their own, outside the model's query (where a CTE name means nothing). -#}
    {{ return(adapter.dispatch('identity_connected_components', 'microfunnel')(
        edges, left_column, right_column, edges_relation)) }}
{%- endmacro %}

{% macro default__identity_connected_components(edges, left_column, right_column, edges_relation=none) -%}
    {%- if execute -%}{{ exceptions.raise_compiler_error(
        "identity_connected_components has no implementation for the " ~ adapter.type() ~ " adapter; add a macro "
        ~ adapter.type() ~ "__identity_connected_components to dbt_project/macros/identity.sql (the contraction "
        ~ "levels of the duckdb one are portable SQL; only the recursive CTE at its end is not)") }}{%- endif -%}
{%- endmacro %}

{% macro duckdb__identity_connected_components(edges, left_column, right_column, edges_relation=none) -%}
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

{% macro spark__identity_connected_components(edges, left_column, right_column, edges_relation=none) -%}
    {#- The duckdb macro's algorithm, with its recursive CTE replaced by a loop of statements:
        Spark's WITH RECURSIVE has no USING KEY (only UNION ALL, 100 levels, seconds per level),
        so the working sets are Parquet tables in the model's schema, <model>__cc_*, built while
        the model's SQL is rendered (run_query at execution time; nothing runs at parse time).

        1-2. The two contraction levels, each step that is read again a table (Spark would
           recompute a CTE at every reference).
        3. Rounds on the remaining graph, each one statement over the whole of it and a count of
           the labels it changed (labels start as the smallest of a node and its neighbours):
           every node takes the smallest label of itself and its neighbours, and so does the node
           its neighbour's label names (hooking); then every node jumps twice along the new labels
           (pointer jumping: its label's label's label). Labels only fall and stay inside the component; a round that changes
           none is the fixpoint, where neighbours share one label, a node of the component no
           larger than any: its smallest id. Rounds grow with the log of the diameter (a 2,000-hop
           chain whose ids rise along it, which does not contract: 8); more than max_rounds
           raises an error rather than returning a partial answer.
        4. Labels travel back down as in the duckdb macro, into <model>__cc_components, which the
           rendered select reads. The other working tables are dropped; that one stays until the
           model's next build replaces it. -#}
    {%- set max_rounds = 64 -%}
    {%- set tables = {} -%}
    {%- for name in ['nodes', 'inner_roots', 'contracted_links', 'contracted_roots', 'remaining',
                     'labels_0', 'labels_1', 'components'] -%}
        {%- do tables.update({name: this.incorporate(path={'identifier': this.identifier ~ '__cc_' ~ name})}) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- if edges_relation is none -%}
            {{ exceptions.raise_compiler_error(
                "identity_connected_components on " ~ adapter.type() ~ " computes the components in statements of "
                ~ "their own: pass edges_relation, the relation the edges '" ~ edges ~ "' can be read from") }}
        {%- endif -%}

        {%- set links = "(
            select " ~ left_column ~ " as node_a, " ~ right_column ~ " as node_b
            from " ~ edges_relation ~ "
            where " ~ left_column ~ " <> " ~ right_column ~ "
        )" -%}

        {%- do identity_cc_table(tables.nodes, "
            select
                node_id,
                count(*) > 1 as is_inner,
                min(linked_node_id) as first_linked_node_id,
                least(node_id, min(linked_node_id)) as pointer
            from (
                select node_a as node_id, node_b as linked_node_id from " ~ links ~ " as links
                union all
                select node_b, node_a from " ~ links ~ " as links
            ) as directed
            group by node_id") -%}

        {#- A pointer that is not inner is a leaf smaller than its only neighbour: a root. -#}
        {%- do identity_cc_table(tables.inner_roots, "
            with inner_pointers as (select node_id, pointer from " ~ tables.nodes ~ " where is_inner)
            select inner_pointers.node_id, coalesce(parent.pointer, inner_pointers.pointer) as root
            from inner_pointers
            left join inner_pointers as parent on parent.node_id = inner_pointers.pointer") -%}

        {%- do identity_cc_table(tables.contracted_links, "
            select root_a.root as node_a, root_b.root as node_b
            from " ~ links ~ " as links
            inner join " ~ tables.inner_roots ~ " as root_a on root_a.node_id = links.node_a
            inner join " ~ tables.inner_roots ~ " as root_b on root_b.node_id = links.node_b
            where root_a.root <> root_b.root") -%}

        {%- do identity_cc_table(tables.contracted_roots, "
            with contracted_pointers as (
                select node_id, least(node_id, min(linked_node_id)) as pointer
                from (
                    select node_a as node_id, node_b as linked_node_id from " ~ tables.contracted_links ~ "
                    union all
                    select node_b, node_a from " ~ tables.contracted_links ~ "
                ) as directed
                group by node_id
            )
            select contracted_pointers.node_id, parent.pointer as root
            from contracted_pointers
            inner join contracted_pointers as parent on parent.node_id = contracted_pointers.pointer") -%}

        {#- Both directions of every remaining edge, once each. -#}
        {%- do identity_cc_table(tables.remaining, "
            with remaining_links as (
                select root_a.root as node_id, root_b.root as linked_node_id
                from " ~ tables.contracted_links ~ " as contracted_links
                inner join " ~ tables.contracted_roots ~ " as root_a on root_a.node_id = contracted_links.node_a
                inner join " ~ tables.contracted_roots ~ " as root_b on root_b.node_id = contracted_links.node_b
                where root_a.root <> root_b.root
            )
            select distinct node_id, linked_node_id from (
                select node_id, linked_node_id from remaining_links
                union all
                select linked_node_id, node_id from remaining_links
            ) as directed") -%}

        {#- Round 1 starts from every node's smallest neighbour or itself; a round reads the last one's table. -#}
        {%- set state = {'rounds': 0, 'done': false, 'labels': "(
            select node_id, least(node_id, min(linked_node_id)) as component_id
            from " ~ tables.remaining ~ "
            group by node_id
        )"} -%}
        {%- for round in range(1, max_rounds + 1) -%}{%- if not state.done -%}
            {%- set labels = state.labels -%}
            {%- set next_labels = tables['labels_' ~ round % 2] -%}
            {%- do identity_cc_table(next_labels, "
                with

                labels as (select node_id, component_id from " ~ labels ~ " as labels),

                candidates as (
                    select node_id, component_id, component_id as old_component_id from labels

                    union all

                    select remaining.linked_node_id, labels.component_id, null
                    from " ~ tables.remaining ~ " as remaining
                    inner join labels on labels.node_id = remaining.node_id

                    union all

                    select neighbour.component_id, labels.component_id, null
                    from " ~ tables.remaining ~ " as remaining
                    inner join labels on labels.node_id = remaining.node_id
                    inner join labels as neighbour on neighbour.node_id = remaining.linked_node_id
                ),

                hooked as (
                    select node_id, min(component_id) as component_id, max(old_component_id) as old_component_id
                    from candidates
                    group by node_id
                )

                select
                    hooked.node_id,
                    grandparent.component_id,
                    grandparent.component_id < hooked.old_component_id as is_changed
                from hooked
                inner join hooked as parent on parent.node_id = hooked.component_id
                inner join hooked as grandparent on grandparent.node_id = parent.component_id") -%}
            {%- set changed = run_query('select count(*) from ' ~ next_labels ~ ' where is_changed').rows[0][0] -%}
            {%- do state.update({'rounds': round, 'done': changed == 0, 'labels': next_labels}) -%}
        {%- endif -%}{%- endfor -%}
        {%- if not state.done -%}
            {{ exceptions.raise_compiler_error(
                "identity_connected_components: labels still changing after " ~ max_rounds ~ " rounds of "
                ~ this ~ " (rounds grow with the log of the graph's diameter; a graph "
                ~ "this deep is unexpected: look at it before raising max_rounds in macros/identity.sql)") }}
        {%- endif -%}
        {%- do log(this ~ ": connected components converged in " ~ state.rounds ~ " rounds") -%}

        {%- do identity_cc_table(tables.components, "
            with

            contracted_labels as (
                select
                    contracted_roots.node_id,
                    coalesce(propagated.component_id, contracted_roots.root) as component_id
                from " ~ tables.contracted_roots ~ " as contracted_roots
                left join " ~ state.labels ~ " as propagated on propagated.node_id = contracted_roots.root
            ),

            inner_labels as (
                select inner_roots.node_id, coalesce(contracted_labels.component_id, inner_roots.root) as component_id
                from " ~ tables.inner_roots ~ " as inner_roots
                left join contracted_labels on contracted_labels.node_id = inner_roots.root
            ),

            leaf_labels as (
                select nodes.node_id, coalesce(inner_labels.component_id, nodes.pointer) as component_id
                from " ~ tables.nodes ~ " as nodes
                left join inner_labels on inner_labels.node_id = nodes.first_linked_node_id
                where not nodes.is_inner
            )

            select node_id, component_id from inner_labels
            union all
            select node_id, component_id from leaf_labels") -%}

        {%- for name, relation in tables.items() if name != 'components' -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- endfor -%}
    {%- endif -%}
    select node_id, component_id from {{ tables.components }}
{%- endmacro %}

{% macro identity_cc_table(relation, sql) -%}
    {#- (Re)build a working table of spark__identity_connected_components. -#}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    {%- do run_query('create table ' ~ relation ~ ' using parquet as ' ~ sql) -%}
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
