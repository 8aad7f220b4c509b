{#- The effective values (after defaults) of every var declared in dbt_project.yml, plus any
    `names` given, as a JSON object escaped for a single-quoted SQL string literal. Recorded with
    every fit run (ml_fit_run.run_vars), so a run can be reproduced from the registry. Where the
    project file cannot be read (declared_var_names is none; not on DuckDB or Spark), only
    `names`. -#}
{% macro run_vars_json(names=[]) %}
    {%- set all_names = (names or []) | list -%}
    {%- if execute -%}
        {%- for name in declared_var_names() or [] if name not in all_names -%}
            {%- do all_names.append(name) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set values = {} %}
    {%- for name in all_names %}
        {%- do values.update({name: var(name, none)}) %}
    {%- endfor %}
    {#- the two schedule settings as this run resolved them (environment, else var) -#}
    {%- for name, value in [("customers_csv", customers_csv_setting()),
        ("as_of_date", as_of_date_setting())] if name in all_names %}
        {%- do values.update({name: value}) %}
    {%- endfor %}
    {%- if tojson is not defined %}{{ return("{}") }}{% endif %}
    {{- return(tojson(values, sort_keys=true) | replace("'", "''")) }}
{% endmacro %}
