{#- Exact (interpolated) quantile of a numeric expression as an aggregate; `fraction` in [0, 1]. -#}
{% macro quantile(expression, fraction) %}
    {{ return(adapter.dispatch("quantile", "segmentation")(expression, fraction)) }}
{% endmacro %}

{% macro default__quantile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__quantile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro spark__quantile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}
