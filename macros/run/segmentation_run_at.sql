{#- The time of this build's fit run, as a SQL timestamp literal (UTC): SEGMENTATION_AS_OF, else var
    `as_of_date` ('YYYY-MM-DD' or 'YYYY-MM-DD HH:MM[:SS]') when set, so month-by-month runs can be replayed;
    otherwise the time the dbt invocation started. Used by ml_fit_run and as the snapshot time
    (see snapshot_get_time.sql), so registry, centroid history and snapshot agree. -#}
{% macro segmentation_run_at() %}
    {%- set as_of = as_of_date_setting() %}
    {%- if as_of is none or (as_of | string | trim) in ["", "none", "None", "null"] %}
        {%- if run_started_at is defined and run_started_at %}
            {%- set value = run_started_at.strftime("%Y-%m-%d %H:%M:%S") %}
        {%- else %}
            {%- set value = "1970-01-01 00:00:00" %}
        {%- endif %}
    {%- else %}
        {%- set text = as_of | string | trim %}
        {%- set pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
            ~ "([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?$" %}
        {%- if not modules.re.match(pattern, text) %}
            {{ exceptions.raise_compiler_error(
                schedule_setting_label("SEGMENTATION_AS_OF", "as_of_date") ~ " must be a date 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM[:SS]', got '"
                ~ text ~ "'") }}
        {%- endif %}
        {%- set value = text | replace("T", " ") %}
        {%- if value | length == 10 %}{% set value = value ~ " 00:00:00" %}{% endif %}
        {%- if value | length == 16 %}{% set value = value ~ ":00" %}{% endif %}
    {%- endif %}
    {{- return("cast('" ~ value ~ "' as timestamp)") }}
{% endmacro %}

{#- When this dbt invocation started (dbt's run_started_at, UTC, to the microsecond), as a SQL
    timestamp literal: the `written_at` of the rows an incremental history mart writes, so the
    publish step copies only what changed since the last publish (publish_marts). Unlike
    segmentation_run_at, never the replayed `as_of_date`. -#}
{% macro segmentation_written_at() %}
    {%- set value = run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") if run_started_at is defined
        and run_started_at else "1970-01-01 00:00:00" -%}
    {{- return("cast('" ~ value ~ "' as timestamp)") -}}
{% endmacro %}
