{#- Cast that yields NULL instead of failing on a value that does not convert. -#}
{% macro safe_cast(expression, data_type) %}
    {{ return(adapter.dispatch("safe_cast", "segmentation")(expression, data_type)) }}
{% endmacro %}

{% macro default__safe_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}
