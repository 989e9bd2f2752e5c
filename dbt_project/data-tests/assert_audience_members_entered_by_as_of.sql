-- A member who entered after the moment the audience is judged at, or whose hashed email belongs to
-- another person, means the rules were dated wrongly or the email join crossed persons: the export
-- would send marketing someone on the wrong grounds.
{{ config(meta={'dagster': {'ref': {'name': 'fct_audience_members'}}}) }}
select members.audience_name, members.person_id, members.entered_at, members.as_of
from {{ ref('fct_audience_members') }} as members
left join {{ ref('dim_person_identifiers') }} as identifiers
    on identifiers.identifier_type = 'email_hash'
    and identifiers.identifier_value = members.email_hash
    and identifiers.person_id = members.person_id
where members.entered_at > members.as_of
    or (members.email_hash is not null and identifiers.person_id is null)
