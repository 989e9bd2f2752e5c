{#- A table, not a view: six models read these events, and parsing the params and the landing
    URL of every event is most of their cost. Incremental by export day, the unit GA4 re-exports
    and the raw table replaces: a run re-parses only the days loaded since the last build (every
    day with rows extracted after the newest here), deleting and inserting each such day whole. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='_export_day',
    on_schema_change='fail'
) }}
{#- A warehouse loaded before the loader stamped `_extracted_at` lacks the column until its next
    GA4 file arrives; until then no day counts as newly extracted. -#}
{%- set raw_columns = adapter.get_columns_in_relation(source('raw_ga4', 'events')) | map(attribute='name') | list if execute else [] -%}
{%- set extracted_at = '_extracted_at' if '_extracted_at' in raw_columns else 'cast(null as ' ~ type_timestamptz() ~ ')' -%}

with

source as (

    select * from {{ ga4_export_rows() }}
    {% if is_incremental() %}
    where _export_day in (
        select distinct _export_day from {{ source('raw_ga4', 'events') }}
        where {{ extracted_at }} > (select coalesce(max(_extracted_at), '-infinity'::timestamptz) from {{ this }})
    )
    {% endif %}

),

renamed as (

    select
        event_key,
        {{ timestamp_from_epoch_us('event_timestamp') }} as event_at,
        event_timestamp as event_ts_us,
        {{ ga4_event_date('event_date') }} as event_date,
        event_name,
        user_pseudo_id as anonymous_id,
        nullif(user_id, '') as user_id,
        {{ ga4_params_map('event_params') }} as event_params,
        batch_page_id,
        batch_ordering_id,
        batch_event_index,
        {{ json_text('device', '$.category') }} as device_category,
        {{ json_text('geo', '$.country') }} as country,
        {{ json_text('collected_traffic_source', '$.gclid') }} as collected_gclid,
        {{ json_text('collected_traffic_source', '$.manual_source') }} as collected_source,
        {{ json_text('collected_traffic_source', '$.manual_medium') }} as collected_medium,
        {{ json_text('collected_traffic_source', '$.manual_campaign_name') }} as collected_campaign,
        {{ json_text('collected_traffic_source', '$.manual_campaign_id') }} as collected_campaign_id,
        {{ json_text('ecommerce', '$.transaction_id') }} as ecommerce_transaction_id,
        try_cast({{ json_text('ecommerce', '$.purchase_revenue') }} as decimal(18, 2)) as purchase_revenue,
        _export_day,
        {{ extracted_at }} as _extracted_at

    from source

),

with_params as (

    select
        {{ star_except(['collected_gclid', 'collected_source', 'collected_medium', 'collected_campaign',
                        'collected_campaign_id', 'ecommerce_transaction_id']) }},
        event_params['ga_session_id']::bigint as ga_session_id,
        event_params['ga_session_number']::bigint as ga_session_number,
        anonymous_id || '-' || event_params['ga_session_id'] as session_key,
        event_params['page_location'] as page_location,
        coalesce(regexp_extract(event_params['page_location'], '^[a-z]+://[^/?#]+(/[^?#]*)', 1), '/') as page_path,
        event_params['page_title'] as page_title,
        event_params['page_referrer'] as page_referrer,
        coalesce(event_params['engagement_time_msec']::bigint, 0) as engagement_time_msec,
        coalesce(ecommerce_transaction_id, event_params['transaction_id']) as transaction_id,
        coalesce(collected_source, {{ url_param('event_params[\'page_location\']', 'utm_source') }},
                 event_params['source']) as source,
        coalesce(collected_medium, {{ url_param('event_params[\'page_location\']', 'utm_medium') }},
                 event_params['medium']) as medium,
        coalesce(collected_campaign, {{ url_param('event_params[\'page_location\']', 'utm_campaign') }},
                 event_params['campaign']) as campaign,
        coalesce(collected_campaign_id, {{ url_param('event_params[\'page_location\']', 'utm_id') }}) as campaign_id,
        coalesce(collected_gclid, {{ url_param('event_params[\'page_location\']', 'gclid') }}) as gclid,
        {{ url_param('event_params[\'page_location\']', 'fbclid') }} as fbclid

    from renamed

)

select * from with_params
