{#- How many files match a path or glob, or -1 where the engine cannot tell (the check is then
    skipped and the engine's own reader reports a missing file). -#}
{% macro count_matching_files(pattern) %}
    {{ return(adapter.dispatch("count_matching_files", "segmentation")(pattern)) }}
{% endmacro %}

{% macro default__count_matching_files(pattern) %}
    {{ return(-1) }}
{% endmacro %}

{% macro duckdb__count_matching_files(pattern) %}
    {%- set literal = "'" ~ pattern | replace("'", "''") ~ "'" -%}
    {{ return(run_query("select count(*) from glob(" ~ literal ~ ")").columns[0].values()[0]) }}
{% endmacro %}
