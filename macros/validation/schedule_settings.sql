{#- The settings a scheduled run changes every time: the input file (CSV or Parquet) and the run
    date. Each is read here and nowhere else: the environment variable when it is set, else the
    var.

    SEGMENTATION_CUSTOMERS_CSV (else var `customers_csv`), SEGMENTATION_CUSTOMERS_PARQUET (else
    var `customers_parquet`) and SEGMENTATION_AS_OF (else var `as_of_date`) are read only while
    dbt executes, never while it parses: dbt re-parses the
    whole project whenever `--vars` differ from the previous invocation's, but nothing when
    only these environment variables change (docs/lean-build.md). Setting an environment
    variable AND the var on the command line to different values is an error
    (schedule_setting_conflicts, reported by validate_config). -#}
{% macro customers_csv_setting() %}
    {{ return(_schedule_setting("SEGMENTATION_CUSTOMERS_CSV", "customers_csv")) }}
{% endmacro %}

{% macro customers_parquet_setting() %}
    {{ return(_schedule_setting("SEGMENTATION_CUSTOMERS_PARQUET", "customers_parquet")) }}
{% endmacro %}

{% macro as_of_date_setting() %}
    {{ return(_schedule_setting("SEGMENTATION_AS_OF", "as_of_date")) }}
{% endmacro %}

{#- Where the setting came from, for messages: "env SEGMENTATION_AS_OF" or "var as_of_date". -#}
{% macro schedule_setting_origin(env_name, var_name) %}
    {%- set from_env = (env_var(env_name, "") | trim) if execute else "" -%}
    {{ return("env " ~ env_name if from_env else "var " ~ var_name) }}
{% endmacro %}

{% macro _schedule_setting(env_name, var_name) %}
    {%- set from_env = (env_var(env_name, "") | trim) if execute else "" -%}
    {{ return(from_env if from_env else setting(var_name)) }}
{% endmacro %}

{#- One sentence per setting given both ways with different values. -#}
{% macro schedule_setting_conflicts() %}
    {%- set problems = [] -%}
    {%- set cli_vars = invocation_args_dict.get("vars") or {} -%}
    {%- if cli_vars is not mapping -%}
        {%- set cli_vars = {} -%}
    {%- endif -%}
    {%- for env_name, var_name in [("SEGMENTATION_CUSTOMERS_CSV", "customers_csv"),
        ("SEGMENTATION_CUSTOMERS_PARQUET", "customers_parquet"),
        ("SEGMENTATION_AS_OF", "as_of_date")] -%}
        {%- set from_env = env_var(env_name, "") | trim -%}
        {%- if from_env and var_name in cli_vars
            and (cli_vars[var_name] | string | trim) != from_env -%}
            {%- do problems.append("both environment variable " ~ env_name ~ " ('" ~ from_env
                ~ "') and var '" ~ var_name ~ "' ('" ~ cli_vars[var_name]
                ~ "') are set: unset one of them") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}

{#- "environment variable SEGMENTATION_AS_OF" or "var 'as_of_date'": the subject of an error
    message about the setting. -#}
{% macro schedule_setting_label(env_name, var_name) %}
    {%- set origin = schedule_setting_origin(env_name, var_name) -%}
    {{ return("environment variable " ~ env_name if origin.startswith("env ")
        else "var '" ~ var_name ~ "'") }}
{% endmacro %}
