-- A failure means an identifier the guardrails cut as shared still shares a person with another
-- identifier: the shared family computer or throw-away email is gluing strangers together again.
{{ config(meta={'dagster': {'ref': {'name': 'int_identifiers_cut'}}}) }}
with

cut as (

    select distinct node_id from {{ ref('int_identifiers_cut') }}

),

component_sizes as (

    select component_id, count(*) as identifiers
    from {{ ref('int_identity_components') }}
    group by component_id

)

select components.node_id, component_sizes.identifiers
from {{ ref('int_identity_components') }} as components
inner join cut on cut.node_id = components.node_id
inner join component_sizes on component_sizes.component_id = components.component_id
where component_sizes.identifiers > 1
