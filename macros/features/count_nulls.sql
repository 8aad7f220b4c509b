{#- SQL expression counting how many of `columns` are NULL in the current row:
    (case when a is null then 1 else 0 end) + (case when b is null then 1 else 0 end) + ... -#}
{% macro count_nulls(columns, table_alias=none) %}
    {%- set prefix = table_alias ~ "." if table_alias else "" -%}
    {%- for column in columns -%}
        (case when {{ prefix }}{{ column }} is null then 1 else 0 end)
        {%- if not loop.last %} + {% endif -%}
    {%- endfor -%}
{% endmacro %}
