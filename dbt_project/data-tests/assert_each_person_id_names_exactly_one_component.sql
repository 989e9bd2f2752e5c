-- A failure means two components got the same person_id (an md5 prefix collision, or a survivor
-- claimed twice): two different people would be counted as one in every mart.
{{ config(meta={'dagster': {'ref': {'name': 'int_identity_person_ids'}}}) }}
select person_ids.person_id, count(distinct components.component_id) as components
from {{ ref('int_identity_person_ids') }} as person_ids
inner join {{ ref('int_identity_components') }} as components on components.node_id = person_ids.node_id
group by person_ids.person_id
having count(distinct components.component_id) > 1
