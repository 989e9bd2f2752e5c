{#- One row per person: when we first and last saw any of their identifiers, where their first
    session came from, whether they bought, and how much of them we know. A person made of one
    shared identifier (is_shared: a family computer, a throw-away email) is kept so every session
    and order has a person, and flagged so BI can leave it out. -#}
with

identifiers as (

    select * from {{ ref('dim_person_identifiers') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

from_identifiers as (

    select
        person_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(*) filter (where identifier_type <> 'user_id') as identifiers,
        count(*) filter (where identifier_type = 'anonymous_id') as browsers,
        count(*) filter (where identifier_type = 'order_id') as orders,
        bool_and(is_shared) as is_shared

    from identifiers
    group by person_id

),

sessions_in_order as (

    select
        person_id,
        channel,
        campaign,
        -- nulls last written out: Spark sorts nulls first by default
        row_number() over (
            partition by person_id order by started_at nulls last, session_id nulls last
        ) as session_index,
        count(*) over (partition by person_id) as sessions

    from sessions

),

from_sessions as (

    select
        person_id,
        sessions,
        channel as first_touch_channel,
        campaign as first_touch_campaign

    from sessions_in_order
    where session_index = 1

),

persons as (

    select
        from_identifiers.person_id,
        from_identifiers.first_seen_at,
        from_identifiers.last_seen_at,
        from_sessions.first_touch_channel,
        from_sessions.first_touch_campaign,
        from_identifiers.orders > 0 as is_customer,
        from_identifiers.is_shared,
        from_identifiers.identifiers,
        from_identifiers.browsers,
        coalesce(from_sessions.sessions, 0) as sessions,
        from_identifiers.orders

    from from_identifiers
    left join from_sessions on from_sessions.person_id = from_identifiers.person_id

)

select * from persons
