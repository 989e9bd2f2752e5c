{#- One row per person: a fingerprint of everything the person's funnel journeys are computed
    from (their events, in order and by session: int_person_event_fingerprints; and the funnel
    catalog with its filters), beside whether it differs from the one fct_funnel_steps was last
    brought up to date with. A person is recomputed
    exactly when it changed: new or late events, events moved to or away by an identity merge or
    split, or a changed catalog (then everyone). No one else's journeys can have changed.
    The fingerprints compared with are fct_funnel_steps' record (applied_fingerprints, which
    its post-hook writes with its rows), not this model's last build: a run that stopped after this
    model and before fct_funnel_steps recomputes its persons again on the next run. On a first run,
    with --full-refresh, and on every build where the funnel marts are rebuilt whole (Spark;
    macros/previous.sql) every person counts as changed. -#}
with

person_event_fingerprints as (

    select * from {{ ref('int_person_event_fingerprints') }}

),

funnels as (

    select * from {{ ref('stg_config__funnels') }}

),

funnel_steps as (

    select * from {{ ref('stg_config__funnel_steps') }}

),

funnel_exclusions as (

    select * from {{ ref('stg_config__funnel_exclusions') }}

),

micro_conversions as (

    select * from {{ ref('stg_config__micro_conversions') }}

),

property_filters as (

    select * from {{ ref('stg_config__property_filters') }}

),

catalog as (

    select md5(coalesce({{ string_agg_ordered('definition', "'|'", 'definition') }}, '')) as catalog_fingerprint
    from (
        select 'f' || {{ row_to_json('funnels') }} as definition from funnels
        union all
        select 's' || {{ row_to_json('funnel_steps') }} from funnel_steps
        union all
        select 'x' || {{ row_to_json('funnel_exclusions') }} from funnel_exclusions
        union all
        select 'm' || {{ row_to_json('micro_conversions') }} from micro_conversions
        union all
        select 'p' || {{ row_to_json('property_filters') }} from property_filters
    )

),

current_fingerprints as (

    -- the person's timeline (int_person_events' rows, hence their order) with the catalog
    select
        person_event_fingerprints.person_id,
        md5(person_event_fingerprints.fingerprint || ':' || catalog.catalog_fingerprint) as fingerprint

    from person_event_fingerprints
    cross join catalog

),

previous_fingerprints as (

    {{ previous_or_empty({'person_id': 'varchar', 'fingerprint': 'varchar'}, applied_fingerprints(this)) }}

),

compared as (

    select
        current_fingerprints.person_id,
        current_fingerprints.fingerprint,
        (previous_fingerprints.fingerprint is distinct from current_fingerprints.fingerprint) as is_changed

    from current_fingerprints
    left join previous_fingerprints on previous_fingerprints.person_id = current_fingerprints.person_id

)

select * from compared
