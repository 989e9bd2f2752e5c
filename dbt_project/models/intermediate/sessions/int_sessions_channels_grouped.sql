{#- Each session's GA4 default channel group, from its landing source, medium and campaign and the
    source's category in Google's list (matched case-insensitively). -#}
{#- A view (exception to the folder's tables): a step only int_sessions_stitched reads, inlined there
    rather than written once and read back (DECISIONLOG, "Steps one model reads are views"). -#}
{{ config(materialized='view') }}
with

sessions as (

    select * from {{ ref('int_sessions_aggregated') }}

),

source_categories as (

    select * from {{ ref('ga4_source_categories') }}

),

categorized as (

    select
        sessions.*,
        source_categories.source_category

    from sessions
    left join source_categories on lower(source_categories.source) = lower(sessions.source)

),

grouped as (

    select
        {{ star_except(['source_category']) }},
        {{ ga4_default_channel_group('source', 'medium', 'campaign', 'source_category') }} as channel

    from categorized

)

select * from grouped
