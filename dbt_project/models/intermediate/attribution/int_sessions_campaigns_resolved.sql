{#- The ad platform and campaign behind each session: a gclid resolves through Google Ads'
    click_view (when Google Ads is enabled; else its campaign stays unknown); a Meta session
    carries the campaign id in utm_id (fbclid alone names no campaign). -#}
with

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

click_views as (

{%- if source_enabled('google_ads') %}
    select gclid, campaign_id from {{ ref('stg_google_ads__click_views') }}
{%- else %}
    select cast(null as varchar) as gclid, cast(null as varchar) as campaign_id where false
{%- endif %}

),

resolved as (

    select
        sessions.session_key,
        sessions.person_id,
        sessions.started_at,
        sessions.date_day,
        sessions.channel,
        sessions.source,
        sessions.medium,
        sessions.campaign,
        case
            when sessions.gclid is not null then 'google_ads'
            when sessions.fbclid is not null or sessions.channel = 'Paid Social' then 'meta_ads'
        end as platform,
        case
            when sessions.gclid is not null then cast(click_views.campaign_id as varchar)
            when sessions.fbclid is not null or sessions.channel = 'Paid Social' then sessions.campaign_id
        end as campaign_id

    from sessions
    left join click_views on click_views.gclid = sessions.gclid

)

select * from resolved
