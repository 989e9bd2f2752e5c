{#- The ad platform and campaign behind each session, the one place sessions meet campaigns (fct_sessions,
    attribution and campaign performance all read it). A gclid resolves through Google Ads' click_view:
    auto-tagged clicks carry no utm_id, so without it every Google session had no campaign. A Meta session
    carries its campaign id in utm_id (an fbclid alone names no campaign). Other sessions keep their
    utm_id. Without Google Ads only utm_id is known. -#}
with

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

click_views as (

{%- if source_enabled('google_ads') %}
    select gclid, campaign_id from {{ ref('stg_google_ads__click_views') }}
{%- else %}
    select cast(null as {{ dbt.type_string() }}) as gclid, cast(null as {{ dbt.type_string() }}) as campaign_id where false
{%- endif %}

),

resolved as (

    select
        {{ star_except(['campaign_id'], 'sessions') }},
        case
            when sessions.gclid is not null then 'google_ads'
            when sessions.fbclid is not null or sessions.channel = 'Paid Social' then 'meta_ads'
        end as platform,
        case
            when sessions.gclid is not null
                then coalesce(cast(click_views.campaign_id as {{ dbt.type_string() }}), sessions.campaign_id)
            else sessions.campaign_id
        end as campaign_id

    from sessions
    left join click_views on click_views.gclid = sessions.gclid

)

select * from resolved
