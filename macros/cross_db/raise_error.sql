{#- SQL expression that aborts the query with `message` (a SQL string expression) when it is
    evaluated. Use inside `case when <bad> then raise_error(...) end`. -#}
{% macro raise_error(message_expression) %}
    {{ return(adapter.dispatch("raise_error", "segmentation")(message_expression)) }}
{% endmacro %}

{% macro default__raise_error(message_expression) -%}
    error({{ message_expression }})
{%- endmacro %}

{% macro spark__raise_error(message_expression) -%}
    raise_error({{ message_expression }})
{%- endmacro %}
