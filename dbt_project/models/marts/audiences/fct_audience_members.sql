{#- The members of every audience as of the end of the data (int_audience_as_of): persons who meet
    every include rule and no exclude rule. entered_at is when they met all rules with the
    occurrences of the current windows (microfunnel/audiences.py). The email is the person's hashed
    one (never raw): the most recently seen that the identity guardrails did not cut as shared. -#}
with

rules as (

    select * from {{ ref('stg_config__audience_rules') }}

),

evaluated as (

    select * from {{ ref('int_audience_rules_evaluated') }}

),

identifiers as (

    select * from {{ ref('dim_person_identifiers') }}

),

include_rules as (

    select audience_name, count(*) as include_rule_count
    from rules
    where rule_type = 'include'
    group by audience_name

),

per_person as (

    select
        audience_name,
        person_id,
        max(as_of) as as_of,
        count(case when rule_type = 'include' and is_met then 1 end) as include_rules_met,
        count(case when rule_type = 'exclude' and is_met then 1 end) as exclude_rules_met,
        max(met_at) as included_at,
        max(cleared_at) as cleared_at

    from evaluated
    group by audience_name, person_id

),

members as (

    select
        per_person.audience_name,
        per_person.person_id,
        case
            when per_person.cleared_at > per_person.included_at then per_person.cleared_at
            else per_person.included_at
        end as entered_at,
        per_person.as_of

    from per_person
    inner join include_rules on include_rules.audience_name = per_person.audience_name
    where per_person.include_rules_met = include_rules.include_rule_count
        and per_person.exclude_rules_met = 0

),

emails as (

    select
        person_id,
        identifier_value as email_hash,
        row_number() over (
            partition by person_id order by last_seen_at desc, identifier_value
        ) as recency

    from identifiers
    where identifier_type = 'email_hash' and not is_shared

),

described as (

    select
        members.audience_name,
        members.person_id,
        emails.email_hash,
        members.entered_at,
        members.as_of

    from members
    left join emails on emails.person_id = members.person_id and emails.recency = 1

)

select * from described
