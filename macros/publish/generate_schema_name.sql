{#- Schema of a node with a custom `+schema` (dbt_project.yml). DuckDB: the custom name as is
    (`staging`, `intermediate`, `ml`, `marts_build`, `history`), so the target schema (`main`)
    holds only what BI reads: the published marts and the scoring macro. dbt's default would
    prefix it (`main_staging`). Other engines keep dbt's default `<target schema>_<custom>`: a
    Spark schema is a database, shared with other projects. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none or (custom_schema_name | string | trim) in ["", "None"] -%}
        {{ target.schema }}
    {%- elif target.type == "duckdb" -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
