{#- The content of a small local text file (e.g. dbt_project.yml) as a string, read by the
    engine, or none where the engine cannot read it (the caller then skips its check). -#}
{% macro read_text_file(path) %}
    {{ return(adapter.dispatch("read_text_file", "segmentation")(path)) }}
{% endmacro %}

{% macro default__read_text_file(path) %}
    {{ return(none) }}
{% endmacro %}

{% macro duckdb__read_text_file(path) %}
    {%- set literal = "'" ~ path | replace("'", "''") ~ "'" -%}
    {%- set rows = run_query("select content from read_text(" ~ literal ~ ")").rows -%}
    {{ return(rows[0][0] if rows | length == 1 else none) }}
{% endmacro %}

{% macro spark__read_text_file(path) %}
    {%- set location = "`" ~ path | replace("`", "``") ~ "`" -%}
    {%- set rows = run_query("select concat_ws(char(10), collect_list(value)) from text."
        ~ location).rows -%}
    {{ return(rows[0][0] if rows | length == 1 else none) }}
{% endmacro %}
