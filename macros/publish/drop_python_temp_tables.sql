{#- Post-hook of the incremental Python models on DuckDB: dbt-duckdb writes a Python model's
    new rows to a table `<model>__dbt_tmp<timestamp>` in the default schema (`main`) and never
    drops it, so every run would leave one beside the published marts. Renders the drops of
    every such table of `relation` (earlier runs' leftovers included). -#}
{% macro drop_python_temp_tables(relation) %}
    {%- if not execute or target.type != "duckdb" -%}
        {{ return("") }}
    {%- endif -%}
    {%- set rows = run_query("select table_schema, table_name from information_schema.tables"
        ~ " where table_catalog = current_database() and starts_with(table_name, '"
        ~ relation.identifier ~ "__dbt_tmp')").rows -%}
    {%- set drops = [] -%}
    {%- for row in rows -%}
        {%- do drops.append('drop table if exists "' ~ row[0] ~ '"."' ~ row[1] ~ '"') -%}
    {%- endfor -%}
    {{ return(drops | join(";\n")) }}
{% endmacro %}
