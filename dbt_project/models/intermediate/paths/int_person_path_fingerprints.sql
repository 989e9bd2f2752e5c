{#- One row per person: a fingerprint of everything their path (int_person_paths) is computed from.
    Their timeline (int_person_event_fingerprints: which events, in what order, which a purchase),
    their sessions' events as GA4 exported them (int_session_fingerprints, each with its newest
    extraction stamp: a page path corrected by a re-export counts), their micro-conversions
    (int_conversions_stitched, the rows fct_micro_conversions publishes: a changed catalog or a
    corrected property changes which events are which) and the two path vars. int_person_paths
    recomputes exactly the persons whose fingerprint differs from the one it last applied. A
    micro-conversion's person is the person of its event (both are the event's session's, or the
    same source's), so grouping them by person_id suffices. -#}
with

person_event_fingerprints as (

    select * from {{ ref('int_person_event_fingerprints') }}

),

session_fingerprints as (

    select * from {{ ref('int_session_fingerprints') }}

),

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

micro_conversions as (

    select * from {{ ref('int_conversions_stitched') }}

),

person_sessions as (

    select
        sessions.person_id,
        count(*) || ':' || bit_xor({{ fingerprint_hash(['sessions.session_key', 'session_fingerprints.fingerprint']) }})
            as sessions_hash

    from sessions
    inner join session_fingerprints on session_fingerprints.session_key = sessions.session_key
    group by sessions.person_id

),

person_micro_conversions as (

    select
        person_id,
        count(*) || ':' || bit_xor({{ fingerprint_hash(['event_id', 'conversion_name', 'kind']) }})
            as micro_conversions_hash

    from micro_conversions
    group by person_id

),

fingerprints as (

    select
        person_event_fingerprints.person_id,
        md5(
            person_event_fingerprints.fingerprint || ':'
            || coalesce(person_sessions.sessions_hash, '') || ':'
            || coalesce(person_micro_conversions.micro_conversions_hash, '') || ':'
            || '{{ var("microfunnel__path_page_depth") }}|{{ var("microfunnel__path_max_steps") }}'
        ) as fingerprint

    from person_event_fingerprints
    left join person_sessions on person_sessions.person_id = person_event_fingerprints.person_id
    left join person_micro_conversions on person_micro_conversions.person_id = person_event_fingerprints.person_id

)

select * from fingerprints
