{#- Sources are plug-ins (ingestion/registry.py): var microfunnel__sources maps each enabled source
    to the feeds it contributes, and shared models union the contributions by naming convention. -#}

{% macro source_enabled(source_name) -%}
    {{ return(source_name in var('microfunnel__sources')) }}
{%- endmacro %}

{% macro sources_feeding(feed) -%}
    {%- set found = [] -%}
    {%- for source_name, feeds in var('microfunnel__sources').items() if feed in feeds -%}
        {%- do found.append(source_name) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{% macro conversion_events_on_the_timeline() -%}
    {#- True when every source feeding conversion_events also feeds person_events, as README
        "Adding a source" asks (the same event_id as on the timeline): then every micro-conversion's
        event is on its person's timeline. A source feeding conversion_events alone contributes
        conversions no timeline model sees. -#}
    {%- set off_timeline = sources_feeding('conversion_events') | reject('in', sources_feeding('person_events')) -%}
    {{ return(off_timeline | list | length == 0) }}
{%- endmacro %}

{% macro union_source_contributions(feed, model_prefix, columns) -%}
    {#- `select <columns> from <model_prefix><source>` for every enabled source feeding `feed`,
        joined by union all. With none, a model using it must be disabled (it is still rendered
        at parse time, so the error waits for execution). -#}
    {%- set contributors = sources_feeding(feed) -%}
    {%- if not contributors and execute -%}
        {{ exceptions.raise_compiler_error(
            "no enabled source feeds '" ~ feed ~ "' (var microfunnel__sources: " ~ var('microfunnel__sources')
            ~ "); guard the model with sources_feeding('" ~ feed ~ "')") }}
    {%- endif -%}
    {%- for source_name in contributors %}
    select {{ columns | join(', ') }} from {{ ref(model_prefix ~ source_name) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{% macro json_entry_value(column, key_field, keys) -%}
    {#- The text `value` of the first entry of a JSON list of {<key_field>, value} objects (Meta's
        actions, Shopify's custom attributes) whose <key_field> is one of `keys`; null when none is. -#}
    {{ return(adapter.dispatch('json_entry_value', 'microfunnel')(column, key_field, keys)) }}
{%- endmacro %}

{% macro default__json_entry_value(column, key_field, keys) -%}
    list_filter(
        from_json({{ column }}, '[{"{{ key_field }}": "VARCHAR", "value": "VARCHAR"}]'),
        lambda entry: entry.{{ key_field }} in ('{{ keys | join("', '") }}')
    )[1].value
{%- endmacro %}

{% macro spark__json_entry_value(column, key_field, keys) -%}
    get(filter(
        from_json({{ column }}, 'array<struct<{{ key_field }}: string, value: string>>'),
        entry -> entry.{{ key_field }} in ('{{ keys | join("', '") }}')
    ), 0).value
{%- endmacro %}

{% macro person_event_columns() -%}
    {#- The columns every int_person_events__<source> contribution gives, in order: what
        int_person_events reads and int_person_event_fingerprints hashes (one list, so a column added
        to the timeline is in its fingerprint too). -#}
    {{ return(['person_id', 'event_id', 'event_at', 'event_ts_us', 'event_name', 'session_id', 'is_macro',
        'batch_ordering_id', 'batch_event_index']) }}
{%- endmacro %}
