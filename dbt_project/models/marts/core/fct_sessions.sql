with

sessions as (

    select * from {{ ref('int_sessions_campaigns_resolved') }}

),

final as (

    select
        session_key as session_id,
        person_id,
        anonymous_id,
        user_id,
        started_at,
        ended_at,
        date_day,
        landing_page_path,
        channel,
        source,
        medium,
        campaign,
        platform as ad_platform,
        campaign_id,
        gclid,
        fbclid,
        device_category,
        country,
        page_views,
        engaged_seconds,
        is_engaged,
        events

    from sessions

)

select * from final
