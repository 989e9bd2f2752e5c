{#- Portable SQL: the few constructs where DuckDB and Spark SQL differ, one dispatch macro each
    (adapter.dispatch; `default__` is DuckDB's SQL, `spark__` Spark's). Models call these instead of
    engine-specific syntax; everything else in the models is SQL both engines read the same way.
    Spark runs with spark.sql.session.timeZone=UTC, and its `timestamp` (an instant, shown in UTC)
    stands for both of DuckDB's timestamp types: naive timestamps here are UTC wall-clock times. -#}

{% macro star_except(columns, relation=none) -%}
    {#- Every column but these: `select {{ star_except(['a', 'b'], 'events') }}`. -#}
    {{ return(adapter.dispatch('star_except', 'microfunnel')(columns, relation)) }}
{%- endmacro %}

{% macro default__star_except(columns, relation) -%}
    {{ relation ~ '.' if relation }}* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(columns, relation) -%}
    {{ relation ~ '.' if relation }}* except ({{ columns | join(', ') }})
{%- endmacro %}

{% macro type_timestamptz() -%}
    {#- An instant (DuckDB timestamptz; Spark timestamp, read in the session's UTC). -#}
    {{ return(adapter.dispatch('type_timestamptz', 'microfunnel')()) }}
{%- endmacro %}

{% macro default__type_timestamptz() -%}timestamptz{%- endmacro %}

{% macro spark__type_timestamptz() -%}timestamp{%- endmacro %}

{% macro json_text(column, path) -%}
    {#- The text at a JSONPath ('$.a.b') of a JSON text column; null when absent. -#}
    {{ return(adapter.dispatch('json_text', 'microfunnel')(column, path)) }}
{%- endmacro %}

{% macro default__json_text(column, path) -%}
    ({{ column }} ->> '{{ path }}')
{%- endmacro %}

{% macro spark__json_text(column, path) -%}
    get_json_object({{ column }}, '{{ path }}')
{%- endmacro %}

{% macro timestamp_from_epoch_us(expression) -%}
    {#- A UTC timestamp from microseconds since 1970-01-01 (GA4's event_timestamp). -#}
    {{ return(adapter.dispatch('timestamp_from_epoch_us', 'microfunnel')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_from_epoch_us(expression) -%}
    make_timestamp({{ expression }})
{%- endmacro %}

{% macro spark__timestamp_from_epoch_us(expression) -%}
    timestamp_micros({{ expression }})
{%- endmacro %}

{% macro epoch_us(expression) -%}
    {#- Microseconds since 1970-01-01 of a UTC timestamp. -#}
    {{ return(adapter.dispatch('epoch_us', 'microfunnel')(expression)) }}
{%- endmacro %}

{% macro default__epoch_us(expression) -%}
    epoch_us({{ expression }})
{%- endmacro %}

{% macro spark__epoch_us(expression) -%}
    unix_micros({{ expression }})
{%- endmacro %}

{% macro utc_timestamp(expression) -%}
    {#- An instant as a UTC wall-clock timestamp (DuckDB: timestamptz -> naive UTC timestamp). -#}
    {{ return(adapter.dispatch('utc_timestamp', 'microfunnel')(expression)) }}
{%- endmacro %}

{% macro default__utc_timestamp(expression) -%}
    cast({{ expression }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro spark__utc_timestamp(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}

{% macro incremental_materialization() -%}
    {#- What the incremental models are built as: `incremental` on DuckDB; a full `table` rebuild on
        Spark, whose Parquet tables have no merge or delete (Delta and Iceberg are not assumed), so a
        model there always takes its full-refresh branch (is_incremental() is false). -#}
    {{ return(adapter.dispatch('incremental_materialization', 'microfunnel')()) }}
{%- endmacro %}

{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{% macro double_text(expression) -%}
    {#- A double as text, spelled as DuckDB casts it to varchar (shortest digits; plain from 1e-4 to
        below 1e16, else 1.5e-05 / 1e+16; nan, inf). -#}
    {{ return(adapter.dispatch('double_text', 'microfunnel')(expression)) }}
{%- endmacro %}

{% macro default__double_text(expression) -%}
    cast({{ expression }} as varchar)
{%- endmacro %}

{% macro spark__double_text(expression) -%}
    {#- Java spells a double in E notation below 1e-3 and from 1e7 (1.0E-4, 1.2345678E7), and Java
        17's digits are not always the shortest from 1e16 (2.0E23 as 1.9999999999999998E23). Below
        1e16 the plain spelling is rebuilt from Java's digits (an exact decimal of that text); beyond
        DuckDB's plain range, the fewest significant digits that read back as the same double. -#}
    {%- set number = 'abs(' ~ expression ~ ')' -%}
    case
        when isnan({{ expression }}) then 'nan'
        when {{ expression }} = double('infinity') then 'inf'
        when {{ expression }} = double('-infinity') then '-inf'
        when {{ expression }} = 0 or ({{ number }} >= 0.001 and {{ number }} < 10000000)
            then cast({{ expression }} as string)
        else concat(
            case when {{ expression }} < 0 then '-' else '' end,
            case
                when {{ number }} >= 0.0001 and {{ number }} < 10000000000000000 then
                    regexp_replace(
                        regexp_replace(cast(cast(cast({{ number }} as string) as decimal(38, 20)) as string), '0+$', ''),
                        '[.]$', '.0'
                    )
                else coalesce(
                    {%- for digits in range(17) %}
                    case when cast(format_string('%.{{ digits }}e', {{ number }}) as double) = {{ number }}
                        then format_string('%.{{ digits }}e', {{ number }}) end{{ ',' if not loop.last }}
                    {%- endfor %}
                )
            end
        )
    end
{%- endmacro %}

{% macro regex_matches(text, pattern) -%}
    {#- True when the regular expression matches somewhere in the text (DuckDB: RE2; Spark: Java). -#}
    {{ return(adapter.dispatch('regex_matches', 'microfunnel')(text, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(text, pattern) -%}
    regexp_matches({{ text }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regex_matches(text, pattern) -%}
    ({{ text }} rlike {{ pattern }})
{%- endmacro %}

{% macro from_json_as(expression, duckdb_structure, spark_schema) -%}
    {#- JSON text parsed into a typed value: `duckdb_structure` is DuckDB's from_json structure
        ('["VARCHAR"]', '"MAP(VARCHAR, VARCHAR)"'), `spark_schema` the same type in Spark's DDL
        ('array<string>', 'map<string, string>'); a JSON type there reads as its JSON text. -#}
    {{ return(adapter.dispatch('from_json_as', 'microfunnel')(expression, duckdb_structure, spark_schema)) }}
{%- endmacro %}

{% macro default__from_json_as(expression, duckdb_structure, spark_schema) -%}
    from_json({{ expression }}, '{{ duckdb_structure }}')
{%- endmacro %}

{% macro spark__from_json_as(expression, duckdb_structure, spark_schema) -%}
    from_json({{ expression }}, '{{ spark_schema }}')
{%- endmacro %}

{% macro list_first(expression) -%}
    {#- A list's first element; null when the list is empty or null (DuckDB lists are 1-based, Spark's 0-based). -#}
    {{ return(adapter.dispatch('list_first', 'microfunnel')(expression)) }}
{%- endmacro %}

{% macro default__list_first(expression) -%}
    ({{ expression }})[1]
{%- endmacro %}

{% macro spark__list_first(expression) -%}
    get({{ expression }}, 0)
{%- endmacro %}

{% macro map_literal(keys, values) -%}
    {#- A map from literal text keys (a list of strings) to SQL expressions (a list, in the same order). -#}
    {{ return(adapter.dispatch('map_literal', 'microfunnel')(keys, values)) }}
{%- endmacro %}

{% macro default__map_literal(keys, values) -%}
    map(['{{ keys | join("', '") }}'], [{{ values | join(', ') }}])
{%- endmacro %}

{% macro spark__map_literal(keys, values) -%}
    map({% for key in keys %}'{{ key }}', {{ values[loop.index0] }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro row_to_json(relation) -%}
    {#- A whole row of a relation (its alias) as JSON text. The text is engine-specific (Spark leaves
        out null fields; number spellings differ): compare it only with the same engine's. -#}
    {{ return(adapter.dispatch('row_to_json', 'microfunnel')(relation)) }}
{%- endmacro %}

{% macro default__row_to_json(relation) -%}
    to_json({{ relation }})
{%- endmacro %}

{% macro spark__row_to_json(relation) -%}
    to_json(struct({{ relation }}.*))
{%- endmacro %}

{% macro cte_materialization(hint) -%}
    {#- DuckDB's CTE hint, 'materialized' (computed once) or 'not materialized' (inlined where
        read): `name as {{ cte_materialization('materialized') }} (`. Spark has no hint (it plans CTEs itself). -#}
    {{ return(adapter.dispatch('cte_materialization', 'microfunnel')(hint)) }}
{%- endmacro %}

{% macro default__cte_materialization(hint) -%}
    {{ hint }}
{%- endmacro %}

{% macro spark__cte_materialization(hint) -%}
{%- endmacro %}

{% macro string_agg_ordered(expression, separator, order_by) -%}
    {#- The non-null texts joined with a separator, in the given order (`order_by`: SQL, e.g.
        'a, b desc'; write nulls first/last there when a key can be null: Spark's default differs). -#}
    {{ return(adapter.dispatch('string_agg_ordered', 'microfunnel')(expression, separator, order_by)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(expression, separator, order_by) -%}
    string_agg({{ expression }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__string_agg_ordered(expression, separator, order_by) -%}
    listagg({{ expression }}, {{ separator }}) within group (order by {{ order_by }})
{%- endmacro %}

{% macro list_ordered_by(expression, key, descending=false) -%}
    {#- The group's values as a list ordered by one non-null key (an aggregate). -#}
    {{ return(adapter.dispatch('list_ordered_by', 'microfunnel')(expression, key, descending)) }}
{%- endmacro %}

{% macro default__list_ordered_by(expression, key, descending) -%}
    list({{ expression }} order by {{ key }}{{ ' desc' if descending }})
{%- endmacro %}

{% macro spark__list_ordered_by(expression, key, descending) -%}
    transform(
        sort_array(collect_list(named_struct('key', {{ key }}, 'value', {{ expression }})), {{ not descending }}),
        entry -> entry.value
    )
{%- endmacro %}

{% macro quantile_cont(expression, quantile, where=none) -%}
    {#- The interpolated quantile (a double) of a numeric column, an aggregate, optionally over the
        rows passing `where`: DuckDB's quantile_cont to the last bit. At rn = (n - 1) * quantile,
        d = rn - floor(rn), DuckDB (v2.0, x86-64) returns fma(1 - d, lo, d * hi) (one rounding of
        lo * (1 - d) + the rounded d * hi); Spark's percentile() rounds differently, so Spark computes
        that on the sorted values, with Java's exact Math.fma (reflect returns its text, which
        reads back as the same double). -#}
    {{ return(adapter.dispatch('quantile_cont', 'microfunnel')(expression, quantile, where)) }}
{%- endmacro %}

{% macro default__quantile_cont(expression, quantile, where) -%}
    quantile_cont({{ expression }}, {{ quantile }}){{ ' filter (where ' ~ where ~ ')' if where }}
{%- endmacro %}

{% macro spark__quantile_cont(expression, quantile, where) -%}
    {%- set rn %}((size(sorted) - 1) * cast({{ quantile }} as double)){% endset -%}
    {%- set lo %}cast(element_at(sorted, cast(floor({{ rn }}) as int) + 1) as double){% endset -%}
    {%- set hi %}cast(element_at(sorted, cast(ceil({{ rn }}) as int) + 1) as double){% endset -%}
    element_at(transform(
        array(array_sort(collect_list({{ expression }}){{ ' filter (where ' ~ where ~ ')' if where }})),
        sorted -> case
            when size(sorted) = 0 then null
            when floor({{ rn }}) = ceil({{ rn }}) then {{ lo }}
            else cast(reflect(
                'java.lang.Math', 'fma', 1 - ({{ rn }} - floor({{ rn }})), {{ lo }}, ({{ rn }} - floor({{ rn }})) * {{ hi }}
            ) as double)
        end
    ), 1)
{%- endmacro %}

{% macro median(expression, where=none) -%}
    {#- The interpolated median (a double): DuckDB's median, quantile_cont at 0.5 (see quantile_cont). -#}
    {{ return(adapter.dispatch('median', 'microfunnel')(expression, where)) }}
{%- endmacro %}

{% macro default__median(expression, where) -%}
    median({{ expression }}){{ ' filter (where ' ~ where ~ ')' if where }}
{%- endmacro %}

{% macro spark__median(expression, where) -%}
    {{ spark__quantile_cont(expression, 0.5, where) }}
{%- endmacro %}

{% macro lateral_range(count, alias) -%}
    {#- A join making one row per integer 0 .. count - 1 (none when count < 1) for each row on its
        left, read as {alias}.range (a bigint). Spark: a LATERAL VIEW, so nothing but the FROM
        relation it extends may precede it. -#}
    {{ return(adapter.dispatch('lateral_range', 'microfunnel')(count, alias)) }}
{%- endmacro %}

{% macro default__lateral_range(count, alias) -%}
    cross join lateral range({{ count }}) as {{ alias }}
{%- endmacro %}

{% macro spark__lateral_range(count, alias) -%}
    lateral view explode(
        case when {{ count }} > 0 then sequence(cast(0 as bigint), cast({{ count }} as bigint) - 1) end
    ) {{ alias }} as range
{%- endmacro %}

{% macro add_seconds(timestamp, seconds) -%}
    {#- A timestamp plus an integer number of seconds (negative: earlier), microseconds kept (dbt's
        spark__dateadd goes through whole unix seconds and drops them). -#}
    {{ return(adapter.dispatch('add_seconds', 'microfunnel')(timestamp, seconds)) }}
{%- endmacro %}

{% macro default__add_seconds(timestamp, seconds) -%}
    ({{ timestamp }} + cast({{ seconds }} as bigint) * interval 1 second)
{%- endmacro %}

{% macro spark__add_seconds(timestamp, seconds) -%}
    timestampadd(second, cast({{ seconds }} as bigint), {{ timestamp }})
{%- endmacro %}

{% macro seconds_between(earlier, later) -%}
    {#- Whole-second boundaries crossed from earlier to later (DuckDB date_diff('second', earlier, later):
        later's epoch second minus earlier's, so 10:00:00.9 to 10:00:01.1 is 1). Spark's
        timestampdiff(second, ...) truncates the elapsed time instead (0 there), hence unix_seconds.
        Both agree from 1970 on (before it DuckDB truncates epoch seconds toward zero, Spark floors). -#}
    {{ return(adapter.dispatch('seconds_between', 'microfunnel')(earlier, later)) }}
{%- endmacro %}

{% macro default__seconds_between(earlier, later) -%}
    date_diff('second', {{ earlier }}, {{ later }})
{%- endmacro %}

{% macro spark__seconds_between(earlier, later) -%}
    (unix_seconds({{ later }}) - unix_seconds({{ earlier }}))
{%- endmacro %}

{% macro string_agg_distinct(expression, delimiter) -%}
    {#- The distinct non-null values of a string expression, in ascending order, joined by a
        delimiter (a SQL string literal, e.g. "','"); null when there are none. -#}
    {{ return(adapter.dispatch('string_agg_distinct', 'microfunnel')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__string_agg_distinct(expression, delimiter) -%}
    string_agg(distinct {{ expression }}, {{ delimiter }} order by {{ expression }})
{%- endmacro %}

{% macro spark__string_agg_distinct(expression, delimiter) -%}
    string_agg(distinct {{ expression }}, {{ delimiter }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro arg_min(value, ordering) -%}
    {#- DuckDB's arg_min, an aggregate: the value at the row of the smallest ordering, skipping rows
        where either is null. `ordering`: one SQL expression, or a list of them compared in turn (a
        null among them sorts after any value there, as in DuckDB's struct comparison). Ties: any. -#}
    {{ return(adapter.dispatch('arg_min', 'microfunnel')(value, ordering)) }}
{%- endmacro %}

{% macro default__arg_min(value, ordering) -%}
    arg_min({{ value }}, {{ ordering if ordering is string else '(' ~ ordering | join(', ') ~ ')' }})
{%- endmacro %}

{% macro spark__arg_min(value, ordering) -%}
    {#- min_by skips a null ordering but not a null value, and sorts null struct fields first: the
        value's nulls get no ordering, and each field is preceded by its `is null`. -#}
    {%- if ordering is string -%}
        {%- set key = ordering -%}
    {%- else -%}
        {%- set fields = [] -%}
        {%- for expression in ordering -%}
            {%- do fields.append(expression ~ ' is null, ' ~ expression) -%}
        {%- endfor -%}
        {%- set key = 'struct(' ~ fields | join(', ') ~ ')' -%}
    {%- endif -%}
    min_by({{ value }}, case when {{ value }} is not null then {{ key }} end)
{%- endmacro %}

{% macro glob_pattern(pattern) -%}
    {#- A GLOB pattern (text) prepared for glob_matches: DuckDB reads it as it is; Spark gets an
        anchored Java regular expression matching exactly the texts DuckDB's GLOB matches. Prepare
        a column once (in a CTE) rather than in a join condition. -#}
    {{ return(adapter.dispatch('glob_pattern', 'microfunnel')(pattern)) }}
{%- endmacro %}

{% macro default__glob_pattern(pattern) -%}
    {{ pattern }}
{%- endmacro %}

{% macro spark__glob_pattern(pattern) -%}
    {#- DuckDB's GLOB token by token. It matches bytes, so the pattern (and, in glob_matches, the
        text) is read as Latin-1 of its UTF-8 bytes, one char per byte. `*` any run, `?` any byte,
        `\x` the byte x, `[...]` one byte in the set (`[!...]`: not in it; a first `]` is a member;
        `a-z` a range, compared as signed chars like DuckDB on x86, empty when reversed; `-]` ends
        the set with a `-`); a lone trailing `\` or an unclosed `[` never matches. Literal bytes are
        written \x{hh}: nothing needs escaping. -#}
    {%- set byte %}concat('\\x{', hex(CODE), '}'){% endset -%}
    {%- set inverted = "substr(glob_token, 2, 1) = '!'" -%}
    {%- set low = "ascii(substr(glob_item, 1, 1))" -%}
    {%- set high = "ascii(substr(glob_item, 3, 1))" -%}
    concat('\\A', array_join(transform(
        regexp_extract_all(
            decode(encode({{ pattern }}, 'UTF-8'), 'ISO-8859-1'),
            '\\\\(?s:.)|\\[!?+(?>(?s:.)-[^\\]]|(?s:.))(?>[^\\]]-[^\\]]|[^\\]])*+\\]|(?s:.)', 0
        ),
        glob_token -> case
            when glob_token = '*' then '(?s:.*)'
            when glob_token = '?' then '(?s:.)'
            when glob_token in ('[', '\\') then '(?!)'
            when left(glob_token, 1) = '\\' then {{ byte | replace('CODE', 'ascii(substr(glob_token, 2, 1))') }}
            when left(glob_token, 1) = '[' then concat(
                case when {{ inverted }} then '(?!' else '(?=' end,
                array_join(transform(
                    regexp_extract_all(
                        substr(glob_token, if({{ inverted }}, 3, 2), length(glob_token) - if({{ inverted }}, 3, 2)),
                        '(?s:.)-[^\\]]|(?s:.)', 0
                    ),
                    glob_item -> case
                        when length(glob_item) = 1 then {{ byte | replace('CODE', 'ascii(glob_item)') }}
                        when {{ low }} >= 128 and {{ high }} < 128 then concat(
                            '[', {{ byte | replace('CODE', low) }}, '-\\x{FF}\\x{0}-', {{ byte | replace('CODE', high) }}, ']'
                        )
                        when ({{ low }} >= 128) = ({{ high }} >= 128) and {{ low }} <= {{ high }} then concat(
                            '[', {{ byte | replace('CODE', low) }}, '-', {{ byte | replace('CODE', high) }}, ']'
                        )
                        else '(?!)'
                    end
                ), '|'),
                ')(?s:.)'
            )
            else {{ byte | replace('CODE', 'ascii(glob_token)') }}
        end
    ), ''), '\\z')
{%- endmacro %}

{% macro glob_matches(text, prepared_pattern) -%}
    {#- True when the text matches a GLOB pattern prepared by glob_pattern (DuckDB's `glob`). -#}
    {{ return(adapter.dispatch('glob_matches', 'microfunnel')(text, prepared_pattern)) }}
{%- endmacro %}

{% macro default__glob_matches(text, prepared_pattern) -%}
    {{ text }} glob {{ prepared_pattern }}
{%- endmacro %}

{% macro spark__glob_matches(text, prepared_pattern) -%}
    (decode(encode({{ text }}, 'UTF-8'), 'ISO-8859-1') rlike {{ prepared_pattern }})
{%- endmacro %}

{% macro type_param_list() -%}
    {#- A list of {key, value as text}: ga4_params_entries' result, map_entries of a text map. -#}
    {{ return(adapter.dispatch('type_param_list', 'microfunnel')()) }}
{%- endmacro %}

{% macro default__type_param_list() -%}struct(key varchar, value varchar)[]{%- endmacro %}

{% macro spark__type_param_list() -%}array<struct<key: string, value: string>>{%- endmacro %}

{% macro type_json() -%}
    {#- JSON (DuckDB's json type; Spark: its text, read with get_json_object). -#}
    {{ return(adapter.dispatch('type_json', 'microfunnel')()) }}
{%- endmacro %}

{% macro default__type_json() -%}json{%- endmacro %}

{% macro spark__type_json() -%}string{%- endmacro %}

{% macro first_value_ignore_nulls(expression) -%}
    {#- The window function first_value skipping nulls; the `over (...)` follows the call. -#}
    {{ return(adapter.dispatch('first_value_ignore_nulls', 'microfunnel')(expression)) }}
{%- endmacro %}

{% macro default__first_value_ignore_nulls(expression) -%}
    first_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro spark__first_value_ignore_nulls(expression) -%}
    first_value({{ expression }}) ignore nulls
{%- endmacro %}

{% macro stddev_samp_window(expression, window) -%}
    {#- stddev_samp(expression) over a window (a name or `(...)`), to DuckDB's last bit: DuckDB adds a
        frame's values one by one, in frame order, with Welford's update (mean += (x - mean) / n;
        d2 += (x - new mean) * (x - old mean)), for frames of up to 16 rows (longer frames it merges
        from a segment tree: not reproduced). Spark's stddev_samp updates with another formula, so
        Spark runs DuckDB's over the frame's values. -#}
    {{ return(adapter.dispatch('stddev_samp_window', 'microfunnel')(expression, window)) }}
{%- endmacro %}

{% macro default__stddev_samp_window(expression, window) -%}
    stddev_samp({{ expression }}) over {{ window }}
{%- endmacro %}

{% macro spark__stddev_samp_window(expression, window) -%}
    aggregate(
        collect_list(cast({{ expression }} as double)) over {{ window }},
        named_struct('n', cast(0 as bigint), 'mean', cast(0 as double), 'd2', cast(0 as double)),
        (s, x) -> named_struct(
            'n', s.n + 1,
            'mean', s.mean + (x - s.mean) / (s.n + 1),
            'd2', s.d2 + (x - (s.mean + (x - s.mean) / (s.n + 1))) * (x - s.mean)
        ),
        s -> case when s.n > 1 then sqrt(s.d2 / (s.n - 1)) end
    )
{%- endmacro %}

{% macro portable_exp(expression) -%}
    {#- e^x of a double. DuckDB calls the C library's exp (glibc: within 0.51 ulp); Spark's exp() is
        fdlibm's (StrictMath), a different last bit in about 1 of 10 results, so Spark calls Commons
        Math's FastMath.exp (on Spark's classpath), which differs from glibc in about 1 of 1,000. -#}
    {{ return(adapter.dispatch('portable_exp', 'microfunnel')(expression)) }}
{%- endmacro %}

{% macro default__portable_exp(expression) -%}
    exp({{ expression }})
{%- endmacro %}

{% macro spark__portable_exp(expression) -%}
    case when ({{ expression }}) is not null then  {#- reflect() fails on a null argument #}
        cast(reflect('org.apache.commons.math3.util.FastMath', 'exp', cast({{ expression }} as double)) as double)
    end
{%- endmacro %}

{% macro portable_ln(expression) -%}
    {#- The natural logarithm of a positive double; as portable_exp: DuckDB the C library's log,
        Spark FastMath.log (fdlibm's differs from glibc in about 1 of 50 results, FastMath in about
        1 of 10,000). -#}
    {{ return(adapter.dispatch('portable_ln', 'microfunnel')(expression)) }}
{%- endmacro %}

{% macro default__portable_ln(expression) -%}
    ln({{ expression }})
{%- endmacro %}

{% macro spark__portable_ln(expression) -%}
    case when ({{ expression }}) is not null then  {#- reflect() fails on a null argument #}
        cast(reflect('org.apache.commons.math3.util.FastMath', 'log', cast({{ expression }} as double)) as double)
    end
{%- endmacro %}

{% macro portable_cbrt(expression) -%}
    {#- The cube root of a finite double as DuckDB gives it: the C library's cbrt, glibc's, which is
        not correctly rounded (cbrt(27) = 3.0000000000000004, so ceil() of it is 4), while Spark's
        cbrt() is (3.0). Spark runs glibc's algorithm (sysdeps/ieee754/dbl-64/s_cbrt.c: frexp, a
        polynomial guess, one rational step, the exponent's third) in the same double operations. -#}
    {{ return(adapter.dispatch('portable_cbrt', 'microfunnel')(expression)) }}
{%- endmacro %}

{% macro default__portable_cbrt(expression) -%}
    cbrt({{ expression }})
{%- endmacro %}

{% macro spark__portable_cbrt(expression) -%}
    {#- element_at(transform(array(v), name -> body), 1) binds v to name in body. -#}
    {%- set poly -%}
        (0.354895765043919860D + ((1.50819193781584896D + ((-2.11499494167371287D + ((2.44693122563534430D
        + ((-1.83469277483613086D + (0.784932344976639262D - 0.145263899385486377D * xm) * xm) * xm)) * xm))
        * xm)) * xm))
    {%- endset -%}
    element_at(transform(array(cast({{ expression }} as double)), x -> case when x = 0 then x else
        element_at(transform(array(cast(floor(log2(abs(x))) as int) + 1), e0 ->
            element_at(transform(array(case
                when abs(x) / pow(2, e0) >= 1 then e0 + 1 when abs(x) / pow(2, e0) < 0.5D then e0 - 1 else e0
            end), xe ->
                element_at(transform(array(abs(x) / pow(2, xe)), xm ->
                    element_at(transform(array({{ poly }}), u ->
                        element_at(transform(array(u * u * u), t2 ->
                            (u * (t2 + 2.0D * xm) / (2.0D * t2 + xm) * element_at(
                                array(1.0D / 1.5874010519681994748D, 1.0D / 1.2599210498948731648D, 1.0D,
                                      1.2599210498948731648D, 1.5874010519681994748D),
                                3 + xe % 3
                            )) * case when x > 0 then 1.0D else -1.0D end * pow(2, xe div 3)
                        ), 1)
                    ), 1)
                ), 1)
            ), 1)
        ), 1)
    end), 1)
{%- endmacro %}

{% macro portable_pow(base, exponent) -%}
    {#- base^exponent of doubles. DuckDB calls the C library's pow (glibc: within 0.52 ulp); Spark's
        pow() is fdlibm's (StrictMath), a different last bit in about 1 of 10 results (0.5^x, x in
        [0, 5]), so Spark calls Commons Math's FastMath.pow, about 1 of 1,000. Null when either is
        null (reflect() fails on a null argument). -#}
    {{ return(adapter.dispatch('portable_pow', 'microfunnel')(base, exponent)) }}
{%- endmacro %}

{% macro default__portable_pow(base, exponent) -%}
    pow({{ base }}, {{ exponent }})
{%- endmacro %}

{% macro spark__portable_pow(base, exponent) -%}
    case when ({{ base }}) is not null and ({{ exponent }}) is not null then cast(reflect(
        'org.apache.commons.math3.util.FastMath', 'pow', cast({{ base }} as double), cast({{ exponent }} as double)
    ) as double) end
{%- endmacro %}

{% macro fail_query(message) -%}
    {#- Fails the query with this message (SQL text) when evaluated: DuckDB error(), Spark raise_error(). -#}
    {{ return(adapter.dispatch('fail_query', 'microfunnel')(message)) }}
{%- endmacro %}

{% macro default__fail_query(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__fail_query(message) -%}
    raise_error({{ message }})
{%- endmacro %}
