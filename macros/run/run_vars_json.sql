{#- Every setting's effective value (effective_settings: top-level settings, and each group
    merged over its defaults; the input path and run date as this run resolved them from the
    environment or the vars) as a JSON object escaped for a single-quoted SQL string literal.
    Recorded with every fit run (ml_fit_run.run_vars), so a run can be reproduced from the
    registry: Settings.from_vars(json.loads(run_vars)) gives the run's settings back. -#}
{% macro run_vars_json() %}
    {%- set values = effective_settings() %}
    {%- do values.update({"customers_csv": customers_csv_setting(),
        "customers_parquet": customers_parquet_setting(), "as_of_date": as_of_date_setting()}) %}
    {%- if tojson is not defined %}{{ return("{}") }}{% endif %}
    {{- return(tojson(values, sort_keys=true) | replace("'", "''")) }}
{% endmacro %}
