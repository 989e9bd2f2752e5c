{#- Statistics for experiment results in plain SQL arithmetic (sqrt, exp, power, abs, case): no
    statistics functions, so the same SQL runs on DuckDB, Spark, BigQuery and Snowflake.
    tests/unit/test_experiment_stats.py checks every macro against scipy. exp and power go through
    stats_exp and stats_pow so that Spark's last bits are the C library's, as on DuckDB. -#}

{% macro stats_exp(x) -%}
    {#- e^x of a double, null when x is null: DuckDB's exp; on Spark portable_exp (the C library's
        last bit, where Spark's exp() is fdlibm's), which needs a non-null argument. Rendered
        without dbt (tests/unit/test_experiment_stats.py: plain Jinja, no adapter) it is DuckDB's. -#}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('stats_exp', 'microfunnel')(x)) }}
    {%- else -%}
        exp({{ x }})
    {%- endif -%}
{%- endmacro %}

{% macro default__stats_exp(x) -%}
    exp({{ x }})
{%- endmacro %}

{% macro spark__stats_exp(x) -%}
    case when ({{ x }}) is not null then {{ portable_exp(x) }} end
{%- endmacro %}

{% macro stats_pow(base, exponent) -%}
    {#- base^exponent of doubles: portable_pow (DuckDB's pow; Spark the C library's last bit too).
        Rendered without dbt, as stats_exp, it is DuckDB's. -#}
    {%- if adapter is defined -%}
        {{ return(portable_pow(base, exponent)) }}
    {%- else -%}
        pow({{ base }}, {{ exponent }})
    {%- endif -%}
{%- endmacro %}

{% macro erfc_nonnegative(x) -%}
    {#- erfc(x) for x >= 0 by Abramowitz & Stegun 7.1.26: t = 1 / (1 + p x),
        erfc(x) = (a1 t + a2 t^2 + a3 t^3 + a4 t^4 + a5 t^5) exp(-x^2), absolute error <= 1.5e-7. -#}
    {%- set t = "(1.0 / (1.0 + 0.3275911 * (" ~ x ~ ")))" -%}
    ((((((1.061405429 * {{ t }} - 1.453152027) * {{ t }} + 1.421413741) * {{ t }} - 0.284496736) * {{ t }}
        + 0.254829592) * {{ t }}) * {{ stats_exp("-((" ~ x ~ ") * (" ~ x ~ "))") }})
{%- endmacro %}

{% macro normal_sf(z) -%}
    {#- P(Z > z) for a standard normal Z (the upper tail; normal_cdf is 1 minus it), absolute error
        <= 7.5e-8: half the erfc bound, as P(Z > z) = erfc(z / sqrt 2) / 2. -#}
    case
        when ({{ z }}) >= 0 then 0.5 * {{ erfc_nonnegative("(" ~ z ~ ") / 1.4142135623730951") }}
        else 1.0 - 0.5 * {{ erfc_nonnegative("-(" ~ z ~ ") / 1.4142135623730951") }}
    end
{%- endmacro %}

{% macro normal_cdf(z) -%}
    {#- P(Z <= z) for a standard normal Z, absolute error <= 7.5e-8. -#}
    (1.0 - {{ normal_sf(z) }})
{%- endmacro %}

{% macro two_sided_p_value(z) -%}
    {#- P(|Z| >= |z|) = erfc(|z| / sqrt 2), absolute error <= 1.5e-7 (so p-values below ~1e-6 are
        only known to be tiny, which is all a 0.05 or 0.001 threshold needs). Null when z is null. -#}
    {{ erfc_nonnegative("abs(" ~ z ~ ") / 1.4142135623730951") }}
{%- endmacro %}

{% macro chi_square_sf(x, df, max_df=19) -%}
    {#- P(X >= x) for X chi-square with df degrees of freedom (an integer 1..max_df), by the exact
        closed forms of integer df: even df = 2m: exp(-x/2) * sum_{j<m} (x/2)^j / j!; odd df = 2m+1:
        erfc(sqrt(x/2)) + sqrt(2x/pi) exp(-x/2) * sum_{j=1..m} x^(j-1) / (1*3*...*(2j-1)). Only the
        erfc approximation errs: absolute error <= 1.5e-7 (plus rounding). Null for df outside 1..max_df
        (an experiment with more than max_df + 1 variants). -#}
    case
    {%- for k in range(1, max_df + 1) %}
        {%- if k % 2 == 0 %}
            {%- set terms = [] %}
            {%- set ns = namespace(factorial=1) %}
            {%- for j in range(k // 2) %}
                {%- if j > 0 %}{% set ns.factorial = ns.factorial * j %}{% endif %}
                {%- do terms.append(stats_pow("(" ~ x ~ ") / 2.0", j) ~ " / " ~ ns.factorial ~ ".0") %}
            {%- endfor %}
        when ({{ df }}) = {{ k }} then {{ stats_exp("-(" ~ x ~ ") / 2.0") }} * ({{ terms | join(" + ") }})
        {%- else %}
            {%- set terms = [] %}
            {%- set ns = namespace(odd=1) %}
            {%- for j in range(1, (k - 1) // 2 + 1) %}
                {%- if j > 1 %}{% set ns.odd = ns.odd * (2 * j - 1) %}{% endif %}
                {%- do terms.append(stats_pow(x, j - 1) ~ " / " ~ ns.odd ~ ".0") %}
            {%- endfor %}
        when ({{ df }}) = {{ k }} then {{ erfc_nonnegative("sqrt((" ~ x ~ ") / 2.0)") }}
            {%- if terms %} + sqrt(2.0 * ({{ x }}) / 3.141592653589793) * {{ stats_exp("-(" ~ x ~ ") / 2.0") }} * ({{ terms | join(" + ") }}){% endif %}
        {%- endif %}
    {%- endfor %}
    end
{%- endmacro %}
