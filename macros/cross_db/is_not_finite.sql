{#- SQL boolean: the double `expression` is NaN or +/-Infinity (false for NULL). -#}
{% macro is_not_finite(expression) %}
    {{ return(adapter.dispatch("is_not_finite", "segmentation")(expression)) }}
{% endmacro %}

{% macro default__is_not_finite(expression) -%}
    ({{ expression }} is not null and not isfinite({{ expression }}))
{%- endmacro %}

{% macro spark__is_not_finite(expression) -%}
    ({{ expression }} is not null
    and (isnan({{ expression }}) or abs({{ expression }}) = double('infinity')))
{%- endmacro %}
