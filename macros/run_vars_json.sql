{#- The values of the given dbt vars as a JSON object, escaped for a single-quoted SQL string
    literal. Recorded with every fit run (ml_fit_run.run_vars). -#}
{% macro run_vars_json(names) %}
    {%- set values = {} %}
    {%- for name in names %}
        {%- do values.update({name: var(name, none)}) %}
    {%- endfor %}
    {%- if tojson is not defined %}{{ return("{}") }}{% endif %}
    {{- return(tojson(values, sort_keys=true) | replace("'", "''")) }}
{% endmacro %}
