{#- Each person's path as they walked it, one row per kept transition: what fct_path_transitions
    counts. A person's nodes are, in event order, their micro-conversions (an event with several
    gives each, by name) and their page views that are no micro-conversion, as a page path group
    (the first var microfunnel__path_page_depth segments, default 1: /products/trail-shoe ->
    /products). Consecutive repeats collapse into one node. Purchasers' paths are the nodes before
    their first purchase, ending in the node 'purchase'; everyone else's are all their nodes,
    ending in '(drop off)'. Only the last var microfunnel__path_max_steps nodes (default 5) before
    the end are kept, numbered 1.. from the first kept one: step_number is the from node's place.
    Incremental by person: a run recomputes the persons whose path inputs changed since it last ran
    (int_person_path_fingerprints; everyone on a first run, with --full-refresh, and on Spark, which
    rebuilds it whole) and drops the persons that no longer exist. -#}
{{ config(**incremental_by_fingerprints('int_person_path_fingerprints', 'person_id')) }}
-- depends_on: {{ ref('int_person_path_fingerprints') }}
with

person_events as {{ cte_materialization('materialized' if is_incremental() else 'not materialized') }} (

    -- in full, inlined into each reader below, so each reads only its own events' columns and rows;
    -- the few persons to recompute once, so each join below starts from them, not from everyone
    {{ rows_to_recompute(ref('int_person_events'), 'person_id') }}

),

micro_conversions as (

    -- a micro-conversion's person is its event's (int_person_path_fingerprints)
    {{ rows_to_recompute(ref('int_conversions_stitched'), 'person_id') }}

),

ga4_events as (

    select * from {{ ref('stg_ga4__events') }}
    where event_name = 'page_view'

),

first_purchases as (

    select person_id, min(event_seq) as purchase_seq
    from person_events
    where is_macro
    group by 1

),

micro_conversion_nodes as (

    select
        person_events.person_id,
        person_events.event_seq,
        micro_conversions.conversion_name as node

    from person_events
    inner join micro_conversions on micro_conversions.event_id = person_events.event_id
    where micro_conversions.kind <> 'macro' and not person_events.is_macro

),

page_nodes as (

    select
        person_events.person_id,
        person_events.event_seq,
        {{ path_page_group('ga4_events.page_path', var('microfunnel__path_page_depth')) }} as node

    from person_events
    inner join ga4_events on ga4_events.event_key = person_events.event_id
    where person_events.event_name = 'page_view'
        and person_events.event_id not in (select event_id from micro_conversions)

),

nodes as (

    select nodes.*, first_purchases.purchase_seq
    from (
        select * from micro_conversion_nodes
        union all
        select * from page_nodes
    ) as nodes
    left join first_purchases on first_purchases.person_id = nodes.person_id
    where first_purchases.purchase_seq is null or nodes.event_seq < first_purchases.purchase_seq

),

collapsed as (

    select person_id, event_seq, node
    from (
        select *, lag(node) over (partition by person_id order by event_seq, node) as previous_node
        from nodes
    )
    where previous_node is distinct from node

),

ordered as (

    -- one sort for the three: the node's place, the person's node count, and the next node
    select
        person_id,
        node,
        row_number() over person_path as position,
        count(*) over (partition by person_id) as nodes,
        lead(node) over person_path as next_node
    from collapsed
    window person_path as (partition by person_id order by event_seq, node)

),

capped as (

    -- the last var('microfunnel__path_max_steps') nodes, numbered from the first kept one
    select
        person_id,
        node,
        next_node,
        position - greatest(nodes - {{ var('microfunnel__path_max_steps') }}, 0) as step_number
    from ordered
    where position > nodes - {{ var('microfunnel__path_max_steps') }}

),

paths as (

    -- each kept node with the next one; the last one leads to the outcome
    select
        capped.person_id,
        capped.step_number,
        capped.node as from_node,
        coalesce(
            capped.next_node,
            case when first_purchases.person_id is not null then 'purchase' else '(drop off)' end
        ) as to_node,
        case when first_purchases.person_id is not null then 'purchase' else 'drop_off' end as outcome
    from capped
    left join first_purchases on first_purchases.person_id = capped.person_id

)

select * from paths
