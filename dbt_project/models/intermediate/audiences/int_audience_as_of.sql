{#- The moment audiences are judged at: the newest event of any person in the warehouse (GA4,
    orders, email), not the wall clock, so a re-run on the same data gives the same members and a
    replayed world is judged at its own end. -#}
with

person_events as (

    select * from {{ ref('int_person_events') }}

),

data_end as (

    select max(event_at) as as_of
    from person_events

)

select * from data_end
