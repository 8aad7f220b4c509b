{#- The `on-run-start` guard: validates every var (validate_config), then the input file
    (inspect_input_file), and stops the build with one clear message naming the file and the
    problem. Renders no SQL. -#}
{% macro check_inputs() %}
    {%- if not execute -%}
        {{ return("") }}
    {%- endif -%}
    {%- do validate_config() -%}
    {%- set path = customers_csv_path() -%}
    {%- set required = ["CUST_ID"] + (cc_general_columns() | map(attribute="source") | list) -%}
    {%- set problem = inspect_input_file(path, required) -%}
    {%- if problem -%}
        {{ exceptions.raise_compiler_error(
            "Input file '" ~ path ~ "' (var customers_csv) " ~ problem) }}
    {%- endif -%}
    {{ return("") }}
{% endmacro %}
