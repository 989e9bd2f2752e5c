{#- `where:` conditions in SQL: the twin of microfunnel/property_filters.py (value_holds,
    condition_holds), held equal by tests/unit/test_property_filters_sql.py. The default__ macros
    are DuckDB's SQL, the spark__ ones Spark's; that test renders these with plain Jinja (no dbt,
    so no `adapter`), which takes the DuckDB SQL. -#}

{% macro property_values(properties, condition, item_fields=none) -%}
    {#- The property's text value(s) as a list: one per item for item.<field>, else one.
        `item_fields`: the fields of native items (none: ga4_item_fields of stg_ga4__event_properties,
        which `properties` is read from; [] reads items as JSON text). -#}
    {{ adapter.dispatch('property_values', 'microfunnel')(properties, condition, item_fields) if adapter is defined else default__property_values(properties, condition, item_fields or []) }}
{%- endmacro %}

{% macro default__property_values(properties, condition, item_fields=none) -%}
    {#- Each branch parses only its own export column, and only for the rows of its scope: parsing
        every column of every joined event was most of a filtering model's time. Native items are
        read field by field: their JSON took 15% of int_funnel_step_occurrences at 10M events. -#}
    {%- set item_fields = ga4_item_fields(ref('stg_ga4__event_properties')) if item_fields is none else item_fields %}
    case {{ condition }}.property_scope
        {%- if item_fields %}
        when 'item' then coalesce(list_transform(
            {{ properties }}.items,
            lambda item: {{ ga4_item_field_text('item', condition ~ '.property_key', item_fields) }}
        ), [])
        {%- else %}
        when 'item' then coalesce(list_transform(
            {{ ga4_items_list(properties ~ '.items') }},
            lambda item: json_extract_string(item, '$.' || {{ condition }}.property_key)
        ), [])
        {%- endif %}
        when 'param' then [{{ param_value(properties ~ '.event_params', condition ~ '.property_key') }}]
        when 'user' then [{{ param_value(properties ~ '.user_properties', condition ~ '.property_key') }}]
        when 'device' then [json_extract_string({{ properties }}.device, '$.' || {{ condition }}.property_key)]
        when 'geo' then [json_extract_string({{ properties }}.geo, '$.' || {{ condition }}.property_key)]
        when 'traffic_source' then
            [json_extract_string({{ properties }}.traffic_source, '$.' || {{ condition }}.property_key)]
        when 'collected_traffic_source' then
            [json_extract_string({{ properties }}.collected_traffic_source, '$.' || {{ condition }}.property_key)]
    end
{%- endmacro %}

{% macro event_properties_read_by(targets) -%}
    {#- The rows of stg_ga4__event_properties that conditions read, as a subquery: one row per
        (event_key, property_scope) of `targets` (a relation with event_id and property_scope),
        holding only that scope's export column (the others null). Reading every JSON column of
        events spread over the whole table decompressed all of them for nearly every row group;
        a scope no target asks for reads nothing. Join it on event_key and property_scope. -#}
    {%- set scope_columns = [
        ('item', 'items'), ('param', 'event_params'), ('user', 'user_properties'), ('device', 'device'),
        ('geo', 'geo'), ('traffic_source', 'traffic_source'), ('collected_traffic_source', 'collected_traffic_source'),
    ] -%}
    (
    {%- for scope, column in scope_columns %}
        select
            scope_properties.event_key,
            '{{ scope }}' as property_scope,
            {%- for _, other in scope_columns %}
            {{ 'scope_properties.' ~ other if other == column else 'null' }} as {{ other }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ ref('stg_ga4__event_properties') }} as scope_properties
        where scope_properties.event_key in (
            select {{ targets }}.event_id from {{ targets }} where {{ targets }}.property_scope = '{{ scope }}'
        )
        {%- if not loop.last %}
        union all
        {%- endif %}
    {%- endfor %}
    )
{%- endmacro %}

{% macro property_number(text) -%}
    {#- A text value read as a number, only when it is plain decimal or scientific notation
        (property_filters.NUMBER_TEXT), so '1_000' or 'nan' never count as numbers. -#}
    {{ adapter.dispatch('property_number', 'microfunnel')(text) if adapter is defined else default__property_number(text) }}
{%- endmacro %}

{% macro default__property_number(text) -%}
    case
        when regexp_full_match({{ text }}, '\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*')
            then try_cast(trim({{ text }}) as double)
    end
{%- endmacro %}

{% macro property_value_holds(value, condition) -%}
    {#- One text value (null when missing) against one condition row. -#}
    {{ adapter.dispatch('property_value_holds', 'microfunnel')(value, condition) if adapter is defined else default__property_value_holds(value, condition) }}
{%- endmacro %}

{% macro default__property_value_holds(value, condition) -%}
    {%- set equals -%}
        coalesce(
            list_contains({{ condition }}.text_values, {{ value }})
            or list_contains({{ condition }}.number_values, {{ property_number(value) }}),
            false
        )
    {%- endset -%}
    case {{ condition }}.operator
        when 'eq' then {{ equals }}
        when 'in' then {{ equals }}
        when 'not' then not {{ equals }}
        when 'not_in' then not {{ equals }}
        when 'contains' then coalesce(contains({{ value }}, {{ condition }}.pattern), false)
        when 'regex' then coalesce(regexp_matches({{ value }}, {{ condition }}.pattern), false)
        when 'is_set' then ({{ value }} is not null) = {{ condition }}.is_set
        when 'gt' then coalesce({{ property_number(value) }} > {{ condition }}.number, false)
        when 'gte' then coalesce({{ property_number(value) }} >= {{ condition }}.number, false)
        when 'lt' then coalesce({{ property_number(value) }} < {{ condition }}.number, false)
        when 'lte' then coalesce({{ property_number(value) }} <= {{ condition }}.number, false)
    end
{%- endmacro %}

{% macro property_condition_holds(properties, condition, item_fields=none) -%}
    {#- True when any of the property's values satisfies the condition (an item condition holds
        when any item does; an event without items fails it). `properties` is a row of
        stg_ga4__event_properties (or null: every condition then sees a missing value),
        `condition` a row of stg_config__property_filters. -#}
    {{ adapter.dispatch('property_condition_holds', 'microfunnel')(properties, condition, item_fields) if adapter is defined else default__property_condition_holds(properties, condition, item_fields or []) }}
{%- endmacro %}

{% macro default__property_condition_holds(properties, condition, item_fields=none) -%}
    coalesce(list_bool_or(list_transform(
        {{ property_values(properties, condition, item_fields) }},
        lambda property_value: {{ property_value_holds('property_value', condition) }}
    )), false)
{%- endmacro %}

{% macro catalog_params_match(catalog_params, event_params) -%}
    {#- True when every parameter filter of a catalog entry (`params`, a map) equals, as text, the
        event's parameter of that key (`event_params`: a list of {key, value}, as param_value reads;
        a missing parameter is ''). -#}
    {{ adapter.dispatch('catalog_params_match', 'microfunnel')(catalog_params, event_params) if adapter is defined else default__catalog_params_match(catalog_params, event_params) }}
{%- endmacro %}

{% macro default__catalog_params_match(catalog_params, event_params) -%}
    len(list_filter(map_entries({{ catalog_params }}),
                    lambda p: coalesce({{ param_value(event_params, 'p.key') }}, '') <> p.value)) = 0
{%- endmacro %}

{% macro candidates_passing_filters(candidates, filters, properties, item_fields=none) -%}
    {#- The candidates (conversion_name, event_id, ...) that pass every `where` condition of their
        catalog entry: those failing any one are anti-joined away. `properties` holds each
        event's readable properties by event_key; `item_fields` as property_values takes them. -#}
    {{ adapter.dispatch('candidates_passing_filters', 'microfunnel')(candidates, filters, properties, item_fields) if adapter is defined else default__candidates_passing_filters(candidates, filters, properties, item_fields or []) }}
{%- endmacro %}

{% macro default__candidates_passing_filters(candidates, filters, properties, item_fields=none) -%}
    select {{ candidates }}.*
    from {{ candidates }}
    anti join (
        select distinct {{ candidates }}.conversion_name, {{ candidates }}.event_id
        from {{ candidates }}
        inner join {{ filters }} on {{ filters }}.conversion_name = {{ candidates }}.conversion_name
        left join {{ properties }} on {{ properties }}.event_key = {{ candidates }}.event_id
        where not {{ property_condition_holds(properties, filters, item_fields) }}
    ) as failing
        on failing.conversion_name = {{ candidates }}.conversion_name
        and failing.event_id = {{ candidates }}.event_id
{%- endmacro %}

{#- Spark: the same conditions. Lists are arrays (items[] an array of JSON texts), lambdas `x -> ...`,
    regular expressions Java's (a condition's `regex` pattern is matched by Java's engine there). -#}

{% macro spark__property_values(properties, condition, item_fields=none) -%}
    {#- `item_fields` is not read: the Spark lake keeps items[] as JSON text. -#}
    case {{ condition }}.property_scope
        when 'item' then coalesce(transform(
            {{ ga4_items_list(properties ~ '.items') }},
            item -> get_json_object(item, '$.' || {{ condition }}.property_key)
        ), array())
        when 'param' then array({{ param_value(properties ~ '.event_params', condition ~ '.property_key') }})
        when 'user' then array({{ param_value(properties ~ '.user_properties', condition ~ '.property_key') }})
        when 'device' then array(get_json_object({{ properties }}.device, '$.' || {{ condition }}.property_key))
        when 'geo' then array(get_json_object({{ properties }}.geo, '$.' || {{ condition }}.property_key))
        when 'traffic_source' then
            array(get_json_object({{ properties }}.traffic_source, '$.' || {{ condition }}.property_key))
        when 'collected_traffic_source' then
            array(get_json_object({{ properties }}.collected_traffic_source, '$.' || {{ condition }}.property_key))
    end
{%- endmacro %}

{% macro spark__property_number(text) -%}
    {#- RE2's \s is [\t\n\f\r ] (Java's adds \v); \z: Java's $ also matches before a final line break. -#}
    case
        when {{ text }} rlike '^[\\t\\n\\f\\r ]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?[\\t\\n\\f\\r ]*\\z'
            then try_cast(trim({{ text }}) as double)
    end
{%- endmacro %}

{% macro spark__property_value_holds(value, condition) -%}
    {%- set equals -%}
        coalesce(
            array_contains({{ condition }}.text_values, {{ value }})
            or array_contains({{ condition }}.number_values, {{ property_number(value) }}),
            false
        )
    {%- endset -%}
    case {{ condition }}.operator
        when 'eq' then {{ equals }}
        when 'in' then {{ equals }}
        when 'not' then not {{ equals }}
        when 'not_in' then not {{ equals }}
        when 'contains' then coalesce(contains({{ value }}, {{ condition }}.pattern), false)
        when 'regex' then coalesce({{ value }} rlike {{ condition }}.pattern, false)
        when 'is_set' then ({{ value }} is not null) = {{ condition }}.is_set
        when 'gt' then coalesce({{ property_number(value) }} > {{ condition }}.number, false)
        when 'gte' then coalesce({{ property_number(value) }} >= {{ condition }}.number, false)
        when 'lt' then coalesce({{ property_number(value) }} < {{ condition }}.number, false)
        when 'lte' then coalesce({{ property_number(value) }} <= {{ condition }}.number, false)
    end
{%- endmacro %}

{% macro spark__property_condition_holds(properties, condition, item_fields=none) -%}
    {#- exists() is null, not false, when no value holds and one is unknown: coalesced like DuckDB's
        list_bool_or, which skips the nulls. -#}
    coalesce(exists(
        {{ property_values(properties, condition) }},
        property_value -> {{ property_value_holds('property_value', condition) }}
    ), false)
{%- endmacro %}

{% macro spark__catalog_params_match(catalog_params, event_params) -%}
    size(filter(map_entries({{ catalog_params }}),
                p -> coalesce({{ param_value(event_params, 'p.key') }}, '') <> p.value)) = 0
{%- endmacro %}

{% macro spark__candidates_passing_filters(candidates, filters, properties, item_fields=none) -%}
    select {{ candidates }}.*
    from {{ candidates }}
    left anti join (
        select distinct {{ candidates }}.conversion_name, {{ candidates }}.event_id
        from {{ candidates }}
        inner join {{ filters }} on {{ filters }}.conversion_name = {{ candidates }}.conversion_name
        left join {{ properties }} on {{ properties }}.event_key = {{ candidates }}.event_id
        where not {{ property_condition_holds(properties, filters) }}
    ) as failing
        on failing.conversion_name = {{ candidates }}.conversion_name
        and failing.event_id = {{ candidates }}.event_id
{%- endmacro %}
