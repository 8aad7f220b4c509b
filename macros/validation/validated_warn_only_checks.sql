{#- The setting `validation.warn_only_checks` as a list of reason codes, checked against the allowed codes, so
    only known literals ever reach SQL. Raises a clear error when models are compiled for
    execution; while dbt parses the project, unknown codes are dropped instead, so that
    on-run-start (validate_config) can report every bad var at once. -#}
{% macro validated_warn_only_checks() %}
    {%- set value = setting("validation", "warn_only_checks") -%}
    {%- set allowed = cc_general_validation_rules().warn_only_allowed -%}
    {%- if value is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if value is string or value is mapping or value is not iterable -%}
        {%- if not execute -%}
            {{ return([]) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "var 'validation.warn_only_checks' must be a list of: " ~ allowed | join(", ")
            ~ ", got '" ~ value ~ "'") }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(value | select("in", allowed) | list) }}
    {%- endif -%}
    {%- for code in value -%}
        {%- if code not in allowed -%}
            {{ exceptions.raise_compiler_error(
                "var 'validation.warn_only_checks' contains '" ~ code ~ "', which is not one "
                ~ "of: " ~ allowed | join(", ")) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(value | list) }}
{% endmacro %}
