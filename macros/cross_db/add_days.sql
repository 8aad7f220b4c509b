{#- A date plus a whole number of days, as a date. -#}
{% macro add_days(date_expression, n_days) %}
    {{ return(adapter.dispatch("add_days", "segmentation")(date_expression, n_days)) }}
{% endmacro %}

{% macro default__add_days(date_expression, n_days) -%}
    cast({{ dbt.dateadd("day", n_days, date_expression) }} as date)
{%- endmacro %}

{% macro duckdb__add_days(date_expression, n_days) -%}
    cast({{ date_expression }} + to_days(cast({{ n_days }} as integer)) as date)
{%- endmacro %}

{% macro spark__add_days(date_expression, n_days) -%}
    date_add({{ date_expression }}, {{ n_days }})
{%- endmacro %}
