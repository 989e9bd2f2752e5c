{#- GA4 export helpers. The default__ macros are DuckDB's SQL, the spark__ ones Spark's. The
    macros tests/unit/test_property_filters_sql.py renders with plain Jinja (no dbt, so no
    `adapter`) take the DuckDB SQL there. -#}

{% macro ga4_export_rows() -%}
    {#- raw_ga4.events as its loads mean it: each export day's rows from the day's newest read. The
        loader appends a re-exported day, then deletes the day's older rows
        (ingestion/replaced_rows.py); a run killed in between leaves both until the next GA4 load,
        and the models reading through this never count them. A warehouse loaded before the loader
        stamped `_extracted_at` has no stamp to compare: its rows are read as they are. -#}
    {%- set raw = source('raw_ga4', 'events') -%}
    {%- set columns = adapter.get_columns_in_relation(raw) | map(attribute='name') | list if execute else [] -%}
    {%- if '_extracted_at' in columns -%}
    (
        select export_rows.*
        from {{ raw }} as export_rows
        inner join (
            select _export_day, max(_extracted_at) as newest_read from {{ raw }} group by _export_day
        ) as day_reads on export_rows._export_day = day_reads._export_day
        where day_reads.newest_read is null or export_rows._extracted_at = day_reads.newest_read
    )
    {%- else -%}
    {{ raw }}
    {%- endif -%}
{%- endmacro %}

{% macro ga4_params_entries(column) -%}
    {#- event_params (JSON list of {key, value: {string_value|int_value|float_value|double_value}})
        as a list of {key, value as text}, so filters compare params without knowing their type.
        A list, not a MAP: DuckDB builds a map at ~7 µs a row (it checks every map's keys as
        Values), a third of the staging model; param_value reads one key of the list. -#}
    {{ adapter.dispatch('ga4_params_entries', 'microfunnel')(column) if adapter is defined else default__ga4_params_entries(column) }}
{%- endmacro %}

{% macro default__ga4_params_entries(column) -%}
    {%- set parsed -%}
        from_json({{ column }}, '[{"key": "VARCHAR", "value": {"string_value": "VARCHAR", "int_value": "BIGINT", "float_value": "DOUBLE", "double_value": "DOUBLE"}}]')
    {%- endset -%}
    {{ ga4_params_as_text(parsed) }}
{%- endmacro %}

{% macro ga4_params_as_text(params) -%}
    {#- DuckDB: a typed list of GA4 params ({key, value: {string_value, int_value, float_value,
        double_value}}) as {key, value as text}. -#}
    list_transform(
        {{ params }},
        lambda p: {'key': p.key, 'value': coalesce(
            p.value.string_value,
            cast(p.value.int_value as varchar),
            cast(coalesce(p.value.double_value, p.value.float_value) as varchar)
        )}
    )
{%- endmacro %}

{% macro ga4_native_nested(raw_columns=none) -%}
    {#- True when raw_ga4.events keeps its nested columns as DuckDB's STRUCT and LIST types (what
        the loader creates, ingestion/native_nested.py); false for JSON text (the Spark lake, or a
        DuckDB warehouse not converted yet: its next GA4 load converts it). `raw_columns`: the raw
        table's columns when the model has listed them already. -#}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {%- for column in raw_columns or adapter.get_columns_in_relation(source('raw_ga4', 'events')) -%}
        {%- if column.name == 'event_params' -%}
            {{ return(column.dtype | upper not in ('JSON', 'VARCHAR', 'STRING', 'TEXT')) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{% macro ga4_item_fields(relation) -%}
    {#- The fields of a native items[] element of `relation` (stg_ga4__event_properties) as
        DESCRIBE's rows ([name, type, ...]), DuckDB's own reading of the column's type, so a filter
        reads an item's field without any JSON; [] when its items are JSON text (the Spark lake, a
        DuckDB warehouse not converted yet) or it has none (a unit test's fixture: read as JSON). -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set items = adapter.get_columns_in_relation(relation) | selectattr('name', 'equalto', 'items') | list -%}
    {%- if not items or not (items[0].dtype | upper).startswith('STRUCT(') or not items[0].dtype.endswith('[]') -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set described = run_query('describe select unnest(items[1]) from ' ~ relation ~ ' limit 0') -%}
    {{ return(described.rows | map('list') | list) }}
{%- endmacro %}

{% macro ga4_item_field_text(item, key, item_fields) -%}
    {#- DuckDB: the field `key` (a text expression) of a native item, as text: the text
        json_extract_string gives of the item's JSON (text fields as they are, the others as their
        JSON text, so a price is 100.0 and 1e20 is 100000000000000000000.0 either way); null when the
        item has no such field. `item_fields`: ga4_item_fields(). -#}
    case {{ key }}
    {%- for described in item_fields %}
    {%- set name, type = described[0], described[1] %}
    {%- set field = item ~ '."' ~ name | replace('"', '""') ~ '"' %}
        when '{{ name | replace("'", "''") }}' then {{ field if type | upper == 'VARCHAR' else 'cast(to_json(' ~ field ~ ') as varchar)' }}
    {%- endfor %}
    end
{%- endmacro %}

{% macro ga4_export_params(column, native) -%}
    {#- A raw event_params (or user_properties) column as a list of {key, value as text}, whether the
        column is native (`native`: ga4_native_nested()) or JSON text. -#}
    {{ ga4_params_as_text(column) if native else ga4_params_entries(column) }}
{%- endmacro %}

{% macro ga4_record_text(column, field, native) -%}
    {#- One field of a raw record column (device, geo, ecommerce, ...) as text, native or JSON text. -#}
    {{ 'cast(' ~ column ~ '."' ~ field ~ '" as varchar)' if native else json_text(column, '$.' ~ field) }}
{%- endmacro %}

{% macro ga4_nested_json(column, native) -%}
    {#- A raw nested column as the export's JSON text (what the record and item filters read):
        DuckDB's JSON of a native column, the same text the loader stored before it kept them native. -#}
    {{ 'cast(' ~ column ~ ' as json)' if native else column }}
{%- endmacro %}

{% macro param_value(params, key) -%}
    {#- The value (text) of parameter `key` in a list of {key, value} (ga4_params_entries, or a
        map's map_entries); null when absent; the first when a key repeats. -#}
    {{ adapter.dispatch('param_value', 'microfunnel')(params, key) if adapter is defined else default__param_value(params, key) }}
{%- endmacro %}

{% macro default__param_value(params, key) -%}
    (list_filter({{ params }}, lambda param: param.key = {{ key }})[1].value)
{%- endmacro %}

{% macro spark__param_value(params, key) -%}
    (try_element_at(filter({{ params }}, param -> param.key = {{ key }}), 1).value)
{%- endmacro %}

{% macro param_keys(params) -%}
    {#- The keys of a list of {key, value}, in order: computed once per row, param_value_by_key
        finds several keys in it. -#}
    {{ adapter.dispatch('param_keys', 'microfunnel')(params) if adapter is defined else default__param_keys(params) }}
{%- endmacro %}

{% macro default__param_keys(params) -%}
    list_transform({{ params }}, lambda param: param.key)
{%- endmacro %}

{% macro spark__param_keys(params) -%}
    transform({{ params }}, param -> param.key)
{%- endmacro %}

{% macro param_value_by_key(params, keys, key) -%}
    {#- param_value for a model that reads many keys of one list: `keys` is param_keys(params),
        `key` a constant (never null). The same value as param_value: the first entry of the key,
        null when absent. On DuckDB a position in the keys instead of a filtered copy of the list
        per key: ten keys of GA4's params took 2.2 s against 2.9 s per 1.43M events. -#}
    {{ adapter.dispatch('param_value_by_key', 'microfunnel')(params, keys, key) if adapter is defined else default__param_value_by_key(params, keys, key) }}
{%- endmacro %}

{% macro default__param_value_by_key(params, keys, key) -%}
    ({{ params }}[list_position({{ keys }}, {{ key }})].value)
{%- endmacro %}

{% macro spark__param_value_by_key(params, keys, key) -%}
    {{ spark__param_value(params, key) }}
{%- endmacro %}

{% macro spark__ga4_params_entries(column) -%}
    transform(
        from_json({{ column }}, 'array<struct<key: string, value: struct<string_value: string, int_value: bigint, float_value: double, double_value: double>>>'),
        p -> struct(p.key as key, coalesce(
            p.value.string_value,
            cast(p.value.int_value as string),
            {{ double_text('coalesce(p.value.double_value, p.value.float_value)') }}
        ) as value)
    )
{%- endmacro %}

{% macro ga4_items_list(column) -%}
    {#- items[] as a list of JSON objects (Spark: their JSON texts); [] when null. -#}
    {{ adapter.dispatch('ga4_items_list', 'microfunnel')(column) if adapter is defined else default__ga4_items_list(column) }}
{%- endmacro %}

{% macro default__ga4_items_list(column) -%}
    coalesce(from_json({{ column }}, '["JSON"]'), [])
{%- endmacro %}

{% macro spark__ga4_items_list(column) -%}
    coalesce(from_json({{ column }}, 'array<string>'), array())
{%- endmacro %}

{% macro ga4_items_unnested(column) -%}
    {#- Select-list columns `item` (one JSON object of items[]) and `item_index` (its 1-based
        position): one row per item. -#}
    {{ return(adapter.dispatch('ga4_items_unnested', 'microfunnel')(column)) }}
{%- endmacro %}

{% macro default__ga4_items_unnested(column) -%}
    -- two unnests of equally long lists in one select run side by side
    unnest(from_json({{ column }}, '["JSON"]')) as item,
    unnest(range(1, json_array_length({{ column }})::bigint + 1)) as item_index
{%- endmacro %}

{% macro spark__ga4_items_unnested(column) -%}
    inline(transform(from_json({{ column }}, 'array<string>'),
                     (item, position) -> struct(item as item, cast(position + 1 as bigint) as item_index)))
{%- endmacro %}

{% macro ga4_event_date(column) -%}
    {#- The export's event_date text (YYYYMMDD) as a date. -#}
    {{ return(adapter.dispatch('ga4_event_date', 'microfunnel')(column)) }}
{%- endmacro %}

{% macro default__ga4_event_date(column) -%}
    strptime({{ column }}, '%Y%m%d')::date
{%- endmacro %}

{% macro spark__ga4_event_date(column) -%}
    to_date({{ column }}, 'yyyyMMdd')
{%- endmacro %}

{% macro url_param(url, name) -%}
    {#- The value of query parameter `name` in `url`, URL-decoded; null when absent. -#}
    {{ adapter.dispatch('url_param', 'microfunnel')(url, name) if adapter is defined else default__url_param(url, name) }}
{%- endmacro %}

{% macro default__url_param(url, name) -%}
    {#- A plain name (letters, digits, `_`, `-`) is looked for literally first: the regular
        expression runs only on the URLs that hold `name=`, a tenth of GA4's page locations (the six
        url_param of stg_ga4__events took 0.5 s against 1.4 s per 1.43M events). -#}
    {%- set extracted = "nullif(url_decode(regexp_extract(" ~ url ~ ", '[?&]" ~ name ~ "=([^&#]*)', 1)), '')" -%}
    {%- if name.replace('_', '').replace('-', '').isalnum() -%}
    (case when contains({{ url }}, '{{ name }}=') then {{ extracted }} end)
    {%- else -%}
    {{ extracted }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__url_param(url, name) -%}
    {#- Decoded as DuckDB's url_decode does: `+` stays a plus (Java's decoder reads a space) and a `%`
        not followed by two hex digits stays as it is (Java's refuses it). -#}
    nullif(url_decode(regexp_replace(
        replace(regexp_extract({{ url }}, '[?&]{{ name }}=([^&#]*)', 1), '+', '%2B'),
        '%(?![0-9A-Fa-f]{2})', '%25'
    )), '')
{%- endmacro %}

{% macro ga4_default_channel_group(source, medium, campaign, source_category) -%}
    {#- GA4's default channel group (support.google.com/analytics/answer/9756891): the 18 rules in
        Google's order, the first that matches wins, else 'Unassigned'. `source_category` is the
        source's category from Google's list (seed ga4_source_categories): SOURCE_CATEGORY_SEARCH,
        _SOCIAL, _SHOPPING or _VIDEO, null when the source is not listed. -#}
    {%- set paid_medium = regex_matches("coalesce(" ~ medium ~ ", '')", "'^(.*cp.*|ppc|retargeting|paid.*)$'") -%}
    {%- set shopping_campaign = regex_matches("coalesce(" ~ campaign ~ ", '')", "'^(.*(([^a-df-z]|^)shop|shopping).*)$'") -%}
    case
        when {{ source }} = '(direct)' and {{ medium }} in ('(none)', '(not set)') then 'Direct'
        when contains(coalesce({{ campaign }}, ''), 'cross-network') then 'Cross-network'
        when ({{ source_category }} = 'SOURCE_CATEGORY_SHOPPING' or {{ shopping_campaign }}) and {{ paid_medium }}
            then 'Paid Shopping'
        when {{ source_category }} = 'SOURCE_CATEGORY_SEARCH' and {{ paid_medium }} then 'Paid Search'
        when {{ source_category }} = 'SOURCE_CATEGORY_SOCIAL' and {{ paid_medium }} then 'Paid Social'
        when {{ source_category }} = 'SOURCE_CATEGORY_VIDEO' and {{ paid_medium }} then 'Paid Video'
        when {{ medium }} in ('display', 'banner', 'expandable', 'interstitial', 'cpm') then 'Display'
        when {{ paid_medium }} then 'Paid Other'
        when {{ source_category }} = 'SOURCE_CATEGORY_SHOPPING' or {{ shopping_campaign }} then 'Organic Shopping'
        when {{ source_category }} = 'SOURCE_CATEGORY_SOCIAL'
             or {{ medium }} in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media')
            then 'Organic Social'
        when {{ source_category }} = 'SOURCE_CATEGORY_VIDEO' or {{ regex_matches("coalesce(" ~ medium ~ ", '')", "'^(.*video.*)$'") }}
            then 'Organic Video'
        when {{ source_category }} = 'SOURCE_CATEGORY_SEARCH' or {{ medium }} = 'organic' then 'Organic Search'
        when {{ medium }} in ('referral', 'app', 'link') then 'Referral'
        when {{ source }} in ('email', 'e-mail', 'e_mail', 'e mail') or {{ medium }} in ('email', 'e-mail', 'e_mail', 'e mail')
            then 'Email'
        when {{ medium }} = 'affiliate' then 'Affiliates'
        when {{ medium }} = 'audio' then 'Audio'
        when {{ source }} = 'sms' or {{ medium }} = 'sms' then 'SMS'
        when {{ regex_matches("coalesce(" ~ medium ~ ", '')", "'(push$|mobile|notification)'") }} or {{ source }} = 'firebase'
            then 'Mobile Push Notifications'
        else 'Unassigned'
    end
{%- endmacro %}
