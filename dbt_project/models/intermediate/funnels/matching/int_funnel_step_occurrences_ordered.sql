{#- Each step occurrence with its event's place in the funnel's processing order: by time, then
    lowest matched step (PostHog takes same-timestamp events in step order), then event_seq;
    and the first exclusion strictly after it that applies to a journey waiting at this step,
    which decides the exclusion rules. An exclusion `between: [i, j]` applies at steps i..j-1
    (microfunnel/funnel_semantics.py exclusion_steps_between), so its rows are repeated once per
    such step (`waiting_step`) and the next exclusion is looked up per waiting step; any-order
    funnels take whole-funnel exclusions only, looked up at waiting step 0. A funnel x person
    with no exclusion occurrence has no next exclusion: its rows skip that lookup's sort (most
    rows, in a catalog where few funnels exclude). event_seq is unique per person. -#}
{#- The columns around next_exclusion_ts_us, for both branches of `ordered`. -#}
{%- set columns_before = ['funnel_key', 'person_key', 'event_ts_us', 'step_index', 'role', 'event_pos'] -%}
{%- set columns_after = ['funnel_person_key', 'event_seq'] %}
with

occurrences as (

    select * from {{ ref('int_funnel_step_occurrences') }}

),

funnel_persons_with_exclusions as (

    select distinct funnel_person_key from occurrences where is_exclusion

),

events_lowest_step as (

    select
        funnel_key,
        person_key,
        event_ts_us,
        step_index,
        from_step_index,
        to_step_index,
        order_mode,
        funnel_person_key,
        event_seq,
        -- role 0 = an exclusion, 1 = a step occurrence
        case when is_exclusion then 0 else 1 end as role,
        -- an event's rows are the peers of (event_ts_us, event_seq); exclusion rows have no step
        min(step_index) over (
            {{ funnel_event_peers_window() }}
        ) as lowest_step_index

    from occurrences

),

positioned as (

    select
        *,
        -- an event's step rows are adjacent here and its lowest step's row comes first
        count(case when step_index = lowest_step_index then 1 end) over (
            partition by funnel_person_key
            order by event_ts_us, role, lowest_step_index, event_seq, step_index
            rows between unbounded preceding and current row
        ) as event_pos

    from events_lowest_step

),

by_waiting_step as (

    -- a step occurrence is looked up at its own step; an exclusion at every step it applies at
    select
        {{ star_except(['from_step_index', 'to_step_index'], 'positioned') }},
        case when positioned.order_mode = 'any' then 0 else positioned.step_index end as waiting_step
    from positioned
    where role = 1
        and positioned.funnel_person_key in (select funnel_person_key from funnel_persons_with_exclusions)
    union all
    select
        {{ star_except(['from_step_index', 'to_step_index'], 'positioned') }},
        {{ funnel_unnest_steps(
            'positioned.from_step_index', 'positioned.to_step_index', any_order="positioned.order_mode = 'any'"
        ) }} as waiting_step
    from positioned
    where role = 0

),

ordered as (

    select
        {{ columns_before | join(',\n        ') }},
        -- at one timestamp the exclusions sort first, so the rows after a step occurrence hold
        -- only strictly later exclusions
        min(case when role = 0 then event_ts_us end) over (
            partition by funnel_person_key, waiting_step
            order by event_ts_us, role, lowest_step_index, event_seq, step_index
            rows between 1 following and unbounded following
        ) as next_exclusion_ts_us,
        {{ columns_after | join(', ') }}

    from by_waiting_step
    union all
    select
        {{ columns_before | join(', ') }},
        cast(null as bigint) as next_exclusion_ts_us,
        {{ columns_after | join(', ') }}
    from positioned
    where role = 1
        and positioned.funnel_person_key not in (select funnel_person_key from funnel_persons_with_exclusions)

),

step_occurrences_ordered as (

    select {{ star_except(['role']) }}
    from ordered
    where role = 1

)

select * from step_occurrences_ordered
