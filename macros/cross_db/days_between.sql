{#- Whole days from `start` to `end` (end - start), for dates or timestamps. -#}
{% macro days_between(start, end) %}
    {{ return(adapter.dispatch("days_between", "segmentation")(start, end)) }}
{% endmacro %}

{% macro default__days_between(start, end) -%}
    datediff(day, {{ start }}, {{ end }})
{%- endmacro %}

{% macro duckdb__days_between(start, end) -%}
    date_diff('day', cast({{ start }} as date), cast({{ end }} as date))
{%- endmacro %}

{% macro spark__days_between(start, end) -%}
    datediff(cast({{ end }} as date), cast({{ start }} as date))
{%- endmacro %}
