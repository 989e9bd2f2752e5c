{#- The guardrails' verdicts: an identifier linked to more identifiers of one type than its cap
    allows (a family computer two accounts log in on, a throw-away email, a pasted click id) or
    listed in the blocklist is shared, not a person's, and is cut out of the graph: it links nothing
    and stands as a person of its own. A Shopify customer whose email is blocklisted is blocklisted
    too: Shopify keeps one customer record per guest email, so that record is the email. -#}
with

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

links as (

    select * from {{ ref('int_identity_links') }}

),

max_links as (

    select * from {{ ref('stg_config__identity_max_links') }}

),

blocklist as (

    select * from {{ ref('stg_config__identity_blocklist') }}

),

links_counted as (

    select node_id, linked_type, count(*) as linked_count
    from links
    group by node_id, linked_type

),

over_cap as (

    select
        links_counted.node_id,
        'max_links' as cut_reason,
        links_counted.linked_type,
        links_counted.linked_count,
        max_links.max_links,
        'linked to ' || links_counted.linked_count || ' ' || links_counted.linked_type || 's; at most '
            || max_links.max_links || ' allowed' as cut_detail

    from links_counted
    inner join nodes on nodes.node_id = links_counted.node_id
    inner join max_links
        on max_links.identifier_type = nodes.identifier_type and max_links.linked_type = links_counted.linked_type
    where links_counted.linked_count > max_links.max_links

),

blocklisted as (

    select
        nodes.node_id,
        'blocklist' as cut_reason,
        null as linked_type,
        null::bigint as linked_count,
        null::bigint as max_links,
        blocklist.reason as cut_detail

    from nodes
    inner join blocklist
        on blocklist.identifier_type = nodes.identifier_type and blocklist.identifier_value = nodes.identifier_value

),

customers_of_blocklisted_emails as (

    select distinct
        links.linked_node_id as node_id,
        'blocklist' as cut_reason,
        null as linked_type,
        null::bigint as linked_count,
        null::bigint as max_links,
        'the Shopify customer of a blocklisted email' as cut_detail

    from blocklisted
    inner join nodes as email on email.node_id = blocklisted.node_id and email.identifier_type = 'email_hash'
    inner join links on links.node_id = blocklisted.node_id and links.linked_type = 'customer_id'

),

verdicts as (

    select * from over_cap
    union all
    select * from blocklisted
    union all
    select * from customers_of_blocklisted_emails
    where node_id not in (select node_id from blocklisted)

),

cut as (

    select
        verdicts.node_id,
        nodes.identifier_type,
        nodes.identifier_value,
        verdicts.cut_reason,
        verdicts.linked_type,
        verdicts.linked_count,
        verdicts.max_links,
        verdicts.cut_detail

    from verdicts
    inner join nodes on nodes.node_id = verdicts.node_id

)

select * from cut
