{#- A timestamp as text 'YYYY-MM-DD HH:MM:SS'. -#}
{% macro format_timestamp(timestamp_expression) %}
    {{ return(adapter.dispatch("format_timestamp", "segmentation")(timestamp_expression)) }}
{% endmacro %}

{% macro default__format_timestamp(timestamp_expression) -%}
    to_char({{ timestamp_expression }}, 'YYYY-MM-DD HH24:MI:SS')
{%- endmacro %}

{% macro duckdb__format_timestamp(timestamp_expression) -%}
    strftime({{ timestamp_expression }}, '%Y-%m-%d %H:%M:%S')
{%- endmacro %}

{% macro spark__format_timestamp(timestamp_expression) -%}
    date_format({{ timestamp_expression }}, 'yyyy-MM-dd HH:mm:ss')
{%- endmacro %}
