{#- Every audience of conversions.yml with its member count, empty ones included, so a BI user
    and the exporter see an audience that nobody meets today. -#}
with

audiences as (

    select * from {{ ref('stg_config__audiences') }}

),

members as (

    select * from {{ ref('fct_audience_members') }}

),

as_of as (

    select * from {{ ref('int_audience_as_of') }}

),

member_counts as (

    select audience_name, count(*) as members
    from members
    group by audience_name

),

described as (

    select
        audiences.audience_name,
        audiences.audience_description,
        audiences.lookback_seconds,
        coalesce(member_counts.members, 0) as members,
        as_of.as_of

    from audiences
    cross join as_of
    left join member_counts on member_counts.audience_name = audiences.audience_name

)

select * from described
