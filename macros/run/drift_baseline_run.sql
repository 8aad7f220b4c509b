{#- Which fit run's training distribution (ml_feature_baseline) feature_drift compares the
    current input with, from var `drift_baseline`:
    - `previous` (default): the latest run before the current one;
    - `first`: the earliest run in the warehouse (before the current one);
    - a run time 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM[:SS]' (as var `as_of_date` was set for that
      run): pin the baseline to that run; pinning the current run accepts today's data.
    Returns {"condition": SQL boolean on `run_at_column` and `current_run_at`, "order": "asc" or
    "desc"}: the baseline is the first run by `order` among the runs meeting the condition. -#}
{% macro drift_baseline_run(run_at_column, current_run_at) %}
    {%- set choice = var("drift_baseline", "previous") | string | trim %}
    {%- if choice == "previous" %}
        {{ return({"condition": run_at_column ~ " < " ~ current_run_at, "order": "desc"}) }}
    {%- elif choice == "first" %}
        {{ return({"condition": run_at_column ~ " < " ~ current_run_at, "order": "asc"}) }}
    {%- endif %}
    {%- set pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
        ~ "([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?$" %}
    {%- if not modules.re.match(pattern, choice) %}
        {{ exceptions.raise_compiler_error(
            "var 'drift_baseline' must be 'previous', 'first' or a run time 'YYYY-MM-DD' / "
            ~ "'YYYY-MM-DD HH:MM[:SS]', got '" ~ choice ~ "'") }}
    {%- endif %}
    {%- set value = choice | replace("T", " ") %}
    {%- if value | length == 10 %}{% set value = value ~ " 00:00:00" %}{% endif %}
    {%- if value | length == 16 %}{% set value = value ~ ":00" %}{% endif %}
    {{ return({
        "condition": run_at_column ~ " = cast('" ~ value ~ "' as timestamp)",
        "order": "desc",
    }) }}
{% endmacro %}
