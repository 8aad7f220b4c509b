{#- The `on-run-start` guard: validates every var (validate_config), then the input file
    or files of the chosen input_format (inspect_input_file), and stops the build with one clear message naming the file and the
    problem. Renders no SQL. -#}
{% macro check_inputs() %}
    {%- if not execute -%}
        {{ return("") }}
    {%- endif -%}
    {%- do validate_config() -%}
    {%- if setting("input_format") == "ledger" -%}
        {%- set files = [
            ("transactions_csv",
             ["customer_id", "transaction_ts", "amount", "category", "transaction_type"]),
            ("accounts_csv", ["customer_id", "credit_limit", "balance", "opened_at"]),
        ] -%}
    {%- elif customers_parquet_setting() -%}
        {#- Parquet: typed columns; the files exist and hold every column exactly once. -#}
        {%- set source = input_source() -%}
        {%- set problem = inspect_parquet_input(
            source.path, ["CUST_ID"] + (cc_general_columns() | map(attribute="source") | list)) -%}
        {%- if problem -%}
            {{ exceptions.raise_compiler_error(
                "Input file(s) '" ~ source.path ~ "' (" ~ source.origin ~ ") " ~ problem) }}
        {%- endif -%}
        {%- set files = [] -%}
    {%- else -%}
        {%- set files = [
            ("customers_csv",
             ["CUST_ID"] + (cc_general_columns() | map(attribute="source") | list)),
        ] -%}
    {%- endif -%}
    {%- for name, required in files -%}
        {%- set path = customers_csv_setting() if name == "customers_csv" else setting(name) -%}
        {%- set origin = input_source().origin if name == "customers_csv" else "var " ~ name -%}
        {%- if path -%}
            {%- set problem = inspect_input_file(path, required) -%}
            {%- if problem -%}
                {{ exceptions.raise_compiler_error(
                    "Input file '" ~ path ~ "' (" ~ origin ~ ") " ~ problem) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {#- the sources the staging models read (external tables on Spark, a view on DuckDB) -#}
    {%- do create_source_tables() -%}
    {{ return("") }}
{% endmacro %}
