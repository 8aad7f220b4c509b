{#- on-run-start (called by check_inputs): make the input files queryable as the sources of
    models/staging. DuckDB reads them in place through each source's `external_location`
    (read_csv / read_parquet), except CC GENERAL: a view over its file, made here on every run
    (duckdb__create_source_tables) so the input path is never parsed. Spark: an external (unmanaged) table
    per source table over the file(s) of its var: CSV with a header, every column as text (as
    DuckDB's all_varchar), or Parquet with the schemas of all files merged (as union_by_name).
    Dropping such a table never deletes the files. -#}
{% macro create_source_tables() %}
    {{ return(adapter.dispatch("create_source_tables", "segmentation")()) }}
{% endmacro %}

{#- DuckDB: the CC GENERAL source is a view over the input file, (re)created here on every run
    from the path input_source() resolves at run time (SEGMENTATION_CUSTOMERS_PARQUET or var
    customers_parquet; else SEGMENTATION_CUSTOMERS_CSV or var customers_csv). The path is thus never part of what dbt parses:
    a scheduled run with a new file re-parses nothing. Ledger sources are read through their
    `external_location`. -#}
{% macro duckdb__create_source_tables() %}
    {%- if setting("input_format") == "ledger" -%}
        {{ return("") }}
    {%- endif -%}
    {%- set nodes = graph.sources.values() | selectattr("source_name", "equalto", "cc_general")
        | selectattr("name", "equalto", "customers") | list -%}
    {%- if not nodes -%}
        {{ exceptions.raise_compiler_error("create_source_tables: no source cc_general.customers") }}
    {%- endif -%}
    {%- set relation = api.Relation.create(database=nodes[0].database, schema=nodes[0].schema,
        identifier=nodes[0].identifier, type="view") -%}
    {%- set source = input_source() -%}
    {%- set path = source.path | replace("'", "''") -%}
    {%- if source.var == "customers_parquet" -%}
        {%- set reader = "read_parquet('" ~ path ~ "', union_by_name = true)" -%}
    {%- else -%}
        {%- set reader = "read_csv('" ~ path ~ "', header = true, delim = ',', quote = '\"',"
            ~ " all_varchar = true)" -%}
    {%- endif -%}
    {%- do run_query("create schema if not exists " ~ relation.without_identifier()) -%}
    {%- do run_query("create or replace view " ~ relation ~ " as select * from " ~ reader) -%}
    {{ return("") }}
{% endmacro %}

{% macro default__create_source_tables() %}
    {{ return("") }}
{% endmacro %}

{% macro spark__create_source_tables() %}
    {%- if setting("input_format") == "ledger" -%}
        {%- set inputs = [
            ("ledger", "transactions", "csv", setting("transactions_csv")),
            ("ledger", "accounts", "csv", setting("accounts_csv")),
        ] -%}
    {%- elif customers_parquet_setting() -%}
        {%- set inputs = [("cc_general", "customers", "parquet", customers_parquet_setting())] -%}
    {%- else -%}
        {%- set inputs = [("cc_general", "customers", "csv", customers_csv_setting())] -%}
    {%- endif -%}
    {%- for source_name, table_name, file_format, path in inputs if path -%}
        {%- set nodes = graph.sources.values() | selectattr("source_name", "equalto", source_name)
            | selectattr("name", "equalto", table_name) | list -%}
        {%- if not nodes -%}
            {{ exceptions.raise_compiler_error(
                "create_source_tables: no source " ~ source_name ~ "." ~ table_name) }}
        {%- endif -%}
        {%- set relation = api.Relation.create(
            schema=nodes[0].schema, identifier=nodes[0].identifier, type="table") -%}
        {#- A table's relative path would resolve against the warehouse: make it absolute
            from the directory dbt runs in (set by the launcher; PWD from a shell). -#}
        {%- set path = path | string -%}
        {%- if not modules.re.match("^([a-zA-Z][a-zA-Z0-9+.-]*:|/)", path) -%}
            {%- set path = env_var("SEGMENTATION_WORKING_DIR", env_var("PWD", ".")) ~ "/" ~ path -%}
        {%- endif -%}
        {%- set options = {"path": path} -%}
        {%- if file_format == "csv" -%}
            {%- do options.update({"header": "true", "sep": ",", "quote": '"', "escape": '"',
                "multiLine": "true", "encoding": "UTF-8"}) -%}
        {%- else -%}
            {%- do options.update({"mergeSchema": "true"}) -%}
        {%- endif -%}
        {%- do run_query("create schema if not exists " ~ relation.schema) -%}
        {%- do run_query("drop table if exists " ~ relation) -%}
        {%- set ddl -%}
            create table {{ relation }} using {{ file_format }} options (
            {%- for key, value in options.items() %}
                '{{ key }}' '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
                {{- "," if not loop.last }}
            {%- endfor %}
            )
        {%- endset -%}
        {%- do run_query(ddl) -%}
        {%- do log("create_source_tables: " ~ relation ~ " reads " ~ file_format ~ " " ~ path,
            info=true) -%}
    {%- endfor -%}
    {{ return("") }}
{% endmacro %}
