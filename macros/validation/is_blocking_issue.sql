{#- SQL boolean: the reason code in `expression` is set and its check quarantines the row, i.e.
    it is not listed in the (validated) var `validation.warn_only_checks`. -#}
{% macro is_blocking_issue(expression) %}
    {%- set warn_only = validated_warn_only_checks() -%}
    {%- if warn_only -%}
        ({{ expression }} is not null and {{ expression }} not in (
        {%- for code in warn_only %}'{{ code }}'{{ ", " if not loop.last }}{% endfor %}))
    {%- else -%}
        ({{ expression }} is not null)
    {%- endif -%}
{%- endmacro %}
