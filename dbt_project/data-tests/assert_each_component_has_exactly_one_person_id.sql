-- A failure means identifiers the graph connects carry different person_ids (a daily run left a
-- merged person's rows behind): one person would be counted as several in every mart.
{{ config(meta={'dagster': {'ref': {'name': 'int_identity_person_ids'}}}) }}
select components.component_id, count(distinct person_ids.person_id) as person_ids
from {{ ref('int_identity_components') }} as components
inner join {{ ref('int_identity_person_ids') }} as person_ids on person_ids.node_id = components.node_id
group by components.component_id
having count(distinct person_ids.person_id) > 1
