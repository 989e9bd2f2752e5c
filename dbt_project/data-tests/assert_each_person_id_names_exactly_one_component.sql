-- A failure means two components got the same person_id (an md5 prefix collision, or a survivor
-- claimed twice): two different people would be counted as one in every mart.
select person_id, count(distinct component_id) as components
from {{ ref('int_identity_person_ids') }}
group by person_id
having count(distinct component_id) > 1
