{#- Every setting's effective value (effective_settings: top-level settings, and each group
    merged over its defaults) as a JSON object escaped for a single-quoted SQL string literal.
    Recorded with every fit run (ml_fit_run.run_vars), so a run can be reproduced from the
    registry: Settings.from_vars(json.loads(run_vars)) gives the run's settings back. -#}
{% macro run_vars_json() %}
    {%- if tojson is not defined %}{{ return("{}") }}{% endif %}
    {{- return(tojson(effective_settings(), sort_keys=true) | replace("'", "''")) }}
{% endmacro %}
