{#- Klaviyo's metric names become the event names the timeline and the catalog use. -#}
with

source as (

    select * from {{ source('raw_klaviyo', 'events') }}

),

renamed as (

    select
        id as event_id,
        metric_id,
        metric_name,
        case metric_name
            when 'Received Email' then 'email_received'
            when 'Opened Email' then 'email_opened'
            when 'Clicked Email' then 'email_clicked'
            when 'Subscribed to List' then 'list_subscribed'
        end as event_name,
        profile_id,
        {{ utc_timestamp('datetime') }} as event_at,
        {{ epoch_us('datetime') }} as event_ts_us,
        message_id,
        flow_id,
        message_name,
        subject,
        url as clicked_url,
        list_name

    from source

)

select * from renamed
