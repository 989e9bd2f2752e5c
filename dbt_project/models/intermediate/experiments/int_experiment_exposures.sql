{#- Who saw which variant of which experiment, first: every GA4 event carrying both experiment
    parameters (conversions.yml `experiments:` names them, default exp_id / exp_variant) is an
    exposure of the person of its session; a person counts in the variant of their first exposure
    (ties at one microsecond: the variant first in alphabetical order), and variants_seen says how
    many variants they saw (a second device, cleared cookies). -#}
with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

settings as (

    select * from {{ ref('stg_config__experiment_settings') }}

),

exposure_events as (

    select
        sessions.person_id,
        {{ param_value('events.event_params', 'settings.id_param') }} as experiment_id,
        {{ param_value('events.event_params', 'settings.variant_param') }} as variant,
        events.session_key as session_id,
        events.event_at,
        events.event_ts_us

    from events
    cross join settings
    inner join sessions on sessions.session_key = events.session_key
    where coalesce({{ param_value('events.event_params', 'settings.id_param') }}, '') <> ''
        and coalesce({{ param_value('events.event_params', 'settings.variant_param') }}, '') <> ''

),

ranked as (

    select
        *,
        row_number() over (
            partition by experiment_id, person_id order by event_ts_us, variant, session_id
        ) as exposure_rank

    from exposure_events

),

variants_seen as (

    select experiment_id, person_id, count(distinct variant) as variants_seen
    from exposure_events
    group by experiment_id, person_id

),

first_exposures as (

    select
        ranked.experiment_id,
        ranked.person_id,
        ranked.variant,
        ranked.session_id as exposure_session_id,
        ranked.event_at as exposed_at,
        ranked.event_ts_us as exposed_ts_us,
        variants_seen.variants_seen

    from ranked
    inner join variants_seen
        on variants_seen.experiment_id = ranked.experiment_id and variants_seen.person_id = ranked.person_id
    where ranked.exposure_rank = 1

)

select * from first_exposures
