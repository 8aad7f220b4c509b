{#- Continuous quantile (linear interpolation, as numpy's default and scikit-learn's scalers)
    of a numeric expression, as an aggregate; `q` is a number in [0, 1]. -#}
{% macro quantile(expression, q) %}
    {{ return(adapter.dispatch("quantile", "segmentation")(expression, q)) }}
{% endmacro %}

{% macro default__quantile(expression, q) -%}
    percentile_cont({{ q }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__quantile(expression, q) -%}
    quantile_cont({{ expression }}, {{ q }})
{%- endmacro %}

{% macro spark__quantile(expression, q) -%}
    percentile({{ expression }}, {{ q }})
{%- endmacro %}
