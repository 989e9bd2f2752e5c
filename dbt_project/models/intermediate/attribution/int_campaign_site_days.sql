{{ config(enabled=sources_feeding('ad_campaign_days') | length > 0) }}
{#- Day × platform × campaign × micro-conversion: what the site saw from a campaign's sessions on the
    session's day (reporting zone): sessions and persons (conversion_name '(all)'), and each
    micro-conversion's count in those sessions. -#}
with

sessions as (

    select * from {{ ref('int_sessions_campaigns_resolved') }}
    where platform is not null and campaign_id is not null

),

micro_conversions as (

    select * from {{ ref('int_micro_conversions_stitched') }}

),

visits as (

    select
        date_day, platform, campaign_id, '(all)' as conversion_name,
        count(*) as sessions,
        count(distinct person_id) as persons,
        0 as micro_conversions

    from sessions
    group by 1, 2, 3

),

conversions as (

    select
        sessions.date_day, sessions.platform, sessions.campaign_id, micro_conversions.conversion_name,
        0 as sessions,
        0 as persons,
        count(*) as micro_conversions

    from micro_conversions
    inner join sessions on sessions.session_key = micro_conversions.session_id
    group by 1, 2, 3, 4

),

unioned as (

    select * from visits
    union all
    select * from conversions

)

select * from unioned
