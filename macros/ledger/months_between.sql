{#- Calendar months from `start` to `end` (month numbers, days ignored): 2026-07-15 -> 2026-11-01
    is 4. Portable: year() and month() exist on DuckDB and Spark. -#}
{% macro months_between(start, end) -%}
    ((year({{ end }}) * 12 + month({{ end }})) - (year({{ start }}) * 12 + month({{ start }})))
{%- endmacro %}
