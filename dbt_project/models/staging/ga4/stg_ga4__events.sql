{#- A table, not a view: six models read these events, and parsing the params and the landing
    URL of every event is most of their cost. Incremental by export day, the unit GA4 re-exports
    and the raw table replaces: a run re-parses only the days loaded since the last build (every
    day with rows extracted after the newest here), deleting and inserting each such day whole.
    A table built when event_params was a MAP is rebuilt whole once (macros/should_full_refresh.sql). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='_export_day',
    on_schema_change='fail',
    meta={'rebuild_when_built_as': {'event_params': 'MAP'}}
) }}
{#- A warehouse loaded before the loader stamped `_extracted_at` lacks the column until its next
    GA4 file arrives; until then no day counts as newly extracted. -#}
{%- set raw_columns = adapter.get_columns_in_relation(source('raw_ga4', 'events')) if execute else [] -%}
{%- set extracted_at = '_extracted_at' if '_extracted_at' in raw_columns | map(attribute='name') | list else 'cast(null as ' ~ type_timestamptz() ~ ')' -%}
{%- set param = {} -%}
{%- for key in ['ga_session_id', 'ga_session_number', 'page_location', 'page_title', 'page_referrer',
                'engagement_time_msec', 'transaction_id', 'source', 'medium', 'campaign'] -%}
    {%- do param.update({key: param_value_by_key('event_params', 'event_param_keys', "'" ~ key ~ "'")}) -%}
{%- endfor -%}
{%- set page_location = param['page_location'] -%}
{%- set native = ga4_native_nested(raw_columns) -%}

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
        {{ ga4_export_params('event_params', native) }} as event_params,
        batch_page_id,
        batch_ordering_id,
        batch_event_index,
        {{ ga4_record_text('device', 'category', native) }} as device_category,
        {{ ga4_record_text('geo', 'country', native) }} as country,
        {{ ga4_record_text('collected_traffic_source', 'gclid', native) }} as collected_gclid,
        {{ ga4_record_text('collected_traffic_source', 'manual_source', native) }} as collected_source,
        {{ ga4_record_text('collected_traffic_source', 'manual_medium', native) }} as collected_medium,
        {{ ga4_record_text('collected_traffic_source', 'manual_campaign_name', native) }} as collected_campaign,
        {{ ga4_record_text('collected_traffic_source', 'manual_campaign_id', native) }} as collected_campaign_id,
        {{ ga4_record_text('ecommerce', 'transaction_id', native) }} as ecommerce_transaction_id,
        try_cast({{ ga4_record_text('ecommerce', 'purchase_revenue', native) }} as decimal(18, 2)) as purchase_revenue,
        _export_day,
        {{ extracted_at }} as _extracted_at

    from source

),

keyed as (

    -- the params' keys listed once: the lookups below find each key's position in them
    select *, {{ param_keys('event_params') }} as event_param_keys
    from renamed

),

with_params as (

    select
        {{ star_except(['collected_gclid', 'collected_source', 'collected_medium', 'collected_campaign',
                        'collected_campaign_id', 'ecommerce_transaction_id', 'event_param_keys']) }},
        {{ param['ga_session_id'] }}::bigint as ga_session_id,
        {{ param['ga_session_number'] }}::bigint as ga_session_number,
        anonymous_id || '-' || {{ param['ga_session_id'] }} as session_key,
        {{ page_location }} as page_location,
        coalesce(regexp_extract({{ page_location }}, '^[a-z]+://[^/?#]+(/[^?#]*)', 1), '/') as page_path,
        {{ param['page_title'] }} as page_title,
        {{ param['page_referrer'] }} as page_referrer,
        coalesce({{ param['engagement_time_msec'] }}::bigint, 0) as engagement_time_msec,
        coalesce(ecommerce_transaction_id, {{ param['transaction_id'] }}) as transaction_id,
        coalesce(collected_source, {{ url_param(page_location, 'utm_source') }},
                 {{ param['source'] }}) as source,
        coalesce(collected_medium, {{ url_param(page_location, 'utm_medium') }},
                 {{ param['medium'] }}) as medium,
        coalesce(collected_campaign, {{ url_param(page_location, 'utm_campaign') }},
                 {{ param['campaign'] }}) as campaign,
        coalesce(collected_campaign_id, {{ url_param(page_location, 'utm_id') }}) as campaign_id,
        coalesce(collected_gclid, {{ url_param(page_location, 'gclid') }}) as gclid,
        {{ url_param(page_location, 'fbclid') }} as fbclid

    from keyed

)

select * from with_params
