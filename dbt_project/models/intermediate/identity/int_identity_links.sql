{#- Which identifiers each identifier is linked to: directly, or through an order (an order is one
    co-occurrence record like an event, so its customer, email and GA client id are linked to each
    other). The guardrails count these links. -#}
with

edges as (

    select * from {{ ref('int_identity_edges_numbered') }}

),

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

directed as (

    select node_id_a as node_id, node_id_b as linked_node_id from edges
    union all
    select node_id_b, node_id_a from edges

),

typed as (

    select
        directed.node_id,
        directed.linked_node_id,
        linked.identifier_type as linked_type

    from directed
    inner join nodes as linked on linked.node_id = directed.linked_node_id

),

through_orders as (

    select
        to_order.node_id,
        beyond.linked_node_id,
        beyond.linked_type

    from typed as to_order
    inner join typed as beyond
        on beyond.node_id = to_order.linked_node_id and beyond.linked_node_id <> to_order.node_id
    where to_order.linked_type = 'order_id'

),

links as (

    select node_id, linked_node_id, linked_type, false as is_through_order from typed
    union all
    select node_id, linked_node_id, linked_type, true from through_orders

),

deduplicated as (

    select
        node_id,
        linked_node_id,
        linked_type,
        bool_and(is_through_order) as is_through_order

    from links
    group by node_id, linked_node_id, linked_type

)

select * from deduplicated
