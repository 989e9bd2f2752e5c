{% macro funnel_step_label(order_mode, step_index, step_name) -%}
    case
        when {{ order_mode }} = 'any' then {{ step_index }} || ' of the steps, any order'
        else {{ step_name }}
    end
{%- endmacro %}

{#- The funnel engine's few engine-specific constructs (macros/portable.sql has the shared ones):
    `default__` is DuckDB's SQL as the engine has always run it, `spark__` the same meaning in
    Spark SQL. The engine's semantics live in the models; these only spell them. -#}

{% macro funnel_event_peers_window() -%}
    {#- The window of an event's rows in int_funnel_step_occurrences_ordered: the rows sharing its
        (funnel_person_key, event_ts_us, event_seq). -#}
    {{ return(adapter.dispatch('funnel_event_peers_window', 'microfunnel')()) }}
{%- endmacro %}

{% macro default__funnel_event_peers_window() -%}
    partition by funnel_person_key
            order by event_ts_us, event_seq
            groups between current row and current row
{%- endmacro %}

{% macro spark__funnel_event_peers_window() -%}
    {#- Spark has no GROUPS frame: the peers as a partition of their own. -#}
    partition by funnel_person_key, event_ts_us, event_seq
{%- endmacro %}

{% macro funnel_unnest_steps(from_step_index, to_step_index, any_order=none) -%}
    {#- A set-returning select item: one row per step from_step_index .. to_step_index - 1 (none
        when the range is empty or null); with any_order (a SQL condition), step 0 alone where it
        holds. -#}
    {{ return(adapter.dispatch('funnel_unnest_steps', 'microfunnel')(from_step_index, to_step_index, any_order)) }}
{%- endmacro %}

{% macro default__funnel_unnest_steps(from_step_index, to_step_index, any_order) -%}
    {%- if any_order -%}
        unnest(
            case when {{ any_order }} then [0]
                else range({{ from_step_index }}, {{ to_step_index }}) end
        )
    {%- else -%}
        unnest(range({{ from_step_index }}, {{ to_step_index }}))
    {%- endif -%}
{%- endmacro %}

{% macro spark__funnel_unnest_steps(from_step_index, to_step_index, any_order) -%}
    {#- sequence() is inclusive and counts down when stop < start: guarded to DuckDB's range(). -#}
    explode(
        case
            {%- if any_order %}
            when {{ any_order }} then array(0)
            {%- endif %}
            when {{ to_step_index }} > {{ from_step_index }}
                then sequence({{ from_step_index }}, {{ to_step_index }} - 1)
        end
    )
{%- endmacro %}

{% macro funnel_journey_steps(entries, links, funnels) -%}
    {#- The CTE `journey_steps` of int_funnel_journey_steps: the journeys' step-1 rows from
        `entries`, then each stored row at step j extended by `links` to step j + 1
        (funnel_journey_next_steps), until no journey goes further. `funnels` is
        stg_config__funnels. -#}
    {{ return(adapter.dispatch('funnel_journey_steps', 'microfunnel')(entries, links, funnels)) }}
{%- endmacro %}

{% macro default__funnel_journey_steps(entries, links, funnels) -%}
    {#- A recursive CTE (the model's `with recursive`): each round takes the previous round's rows. -#}
journey_steps as (

    {{ funnel_journey_entry_steps(entries) }}

    union all

    {{ funnel_journey_next_steps('journey_steps', links) }}

)
{%- endmacro %}

{% macro spark__funnel_journey_steps(entries, links, funnels) -%}
    {#- Spark's recursive CTEs refuse a window over the recursive reference (the newest waiting
        journey needs one), so the recursion is unrolled: one CTE per step, as many as the
        longest ordered or strict funnel has steps (a journey's row at step j + 1 comes from its
        row at step j, so no journey goes deeper). Read from the catalog when the model runs. -#}
    {%- set depth = namespace(steps=1) -%}
    {%- if execute -%}
        {%- set longest = run_query(
            "select max(step_count) from " ~ funnels ~ " where order_mode in ('ordered', 'strict')"
        ).columns[0].values()[0] -%}
        {%- set depth.steps = (longest or 1) | int -%}
    {%- endif %}
journey_steps_1 as (

    {{ funnel_journey_entry_steps(entries) }}

),
{%- for step in range(2, depth.steps + 1) %}

journey_steps_{{ step }} as (

    {{ funnel_journey_next_steps('journey_steps_' ~ (step - 1), links) }}

),
{%- endfor %}

journey_steps as (

    {%- for step in range(1, depth.steps + 1) %}
    select * from journey_steps_{{ step }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}

)
{%- endmacro %}

{% macro funnel_journey_entry_steps(entries) -%}
    {#- Every entry (a step-1 occurrence) starts a journey at step 1. Both engines' journey_steps. -#}
select
        funnel_key,
        person_key,
        entry_pos,
        entry_ts_us,
        1 as step_index,
        entry_pos as event_pos,
        entry_ts_us as event_ts_us,
        entry_event_seq as event_seq,
        true as is_stored,
        funnel_person_key

    from {{ entries }}
{%- endmacro %}

{% macro funnel_journey_next_steps(journeys, links) -%}
    {#- One step of the journeys: a stored journey of `journeys` waiting at step j (the rows of
        one step) takes its link's step j + 1 event when it is within the window of the entry and
        no newer journey reached step j before that event (the event goes to the newest journey
        waiting). An exclusion strictly between the two steps leaves the new row unstored. Both
        engines' journey_steps. -#}
select
        waiting.funnel_key,
        waiting.person_key,
        waiting.entry_pos,
        waiting.entry_ts_us,
        waiting.step_index + 1 as step_index,
        {{ links }}.next_event_pos as event_pos,
        {{ links }}.next_event_ts_us as event_ts_us,
        {{ links }}.next_event_seq as event_seq,
        not coalesce({{ links }}.next_exclusion_ts_us < {{ links }}.next_event_ts_us, false) as is_stored,
        waiting.funnel_person_key

    from (
        select
            *,
            lead(event_pos) over (partition by funnel_person_key order by entry_pos) as newer_arrival_pos
        from {{ journeys }}
        where is_stored
    ) as waiting
    inner join {{ links }}
        on {{ links }}.funnel_person_key = waiting.funnel_person_key
        and {{ links }}.step_index = waiting.step_index
        and {{ links }}.event_pos = waiting.event_pos
    where {{ links }}.next_event_ts_us - waiting.entry_ts_us <= {{ links }}.window_us
        and (waiting.newer_arrival_pos is null or waiting.newer_arrival_pos >= {{ links }}.next_event_pos)
{%- endmacro %}

{% macro funnel_journey_that_counts() -%}
    {#- int_funnel_sequential_results' aggregate over a person's journeys: the struct (entry_pos,
        steps_reached, is_excluded) of the journey with the most steps, then clean before
        excluded, then the lowest last_event_pos (unique among journeys reaching a step > 1). -#}
    {{ return(adapter.dispatch('funnel_journey_that_counts', 'microfunnel')()) }}
{%- endmacro %}

{% macro default__funnel_journey_that_counts() -%}
    arg_min(
            { 'entry_pos': entry_pos, 'steps_reached': steps_reached, 'is_excluded': is_excluded },
            (-steps_reached, is_excluded, last_event_pos)
        )
{%- endmacro %}

{% macro spark__funnel_journey_that_counts() -%}
    {#- Spark compares structs field by field, as DuckDB compares the key tuple. -#}
    min_by(
            named_struct('entry_pos', entry_pos, 'steps_reached', steps_reached, 'is_excluded', is_excluded),
            struct(-steps_reached, is_excluded, last_event_pos)
        )
{%- endmacro %}

{% macro funnel_person_numbering() -%}
    {#- int_funnel_recompute_persons' person_key: 1, 2, ... over the persons in no particular
        order (DuckDB numbers them as they come; Spark requires an order: by person_id). -#}
    {{ return(adapter.dispatch('funnel_person_numbering', 'microfunnel')()) }}
{%- endmacro %}

{% macro default__funnel_person_numbering() -%}
    row_number() over ()
{%- endmacro %}

{% macro spark__funnel_person_numbering() -%}
    row_number() over (order by person_id)
{%- endmacro %}
