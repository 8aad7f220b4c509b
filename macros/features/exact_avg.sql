{#- Order-independent mean of a double expression (NULLs ignored, NULL when no value): the
    exact_sum divided by the count, so builds are reproducible bit for bit. -#}
{% macro exact_avg(expression) -%}
    {{ exact_sum(expression) }} / count({{ expression }})
{%- endmacro %}
