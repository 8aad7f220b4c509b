{#- The input path (var `customers_csv`), safe to put in a SQL string literal. Raises a clear
    error for a value that is not a plain path (see customers_csv_path_error). The source
    definition renders the path only through this macro. -#}
{% macro customers_csv_path() %}
    {%- set value = customers_csv_setting() -%}
    {%- set problem = customers_csv_path_error(value) -%}
    {%- if problem and not execute -%}
        {#- While dbt parses the project: never render the bad value; on-run-start
            (validate_config) reports it with every other problem before anything runs. -#}
        {{ return("invalid-path.csv") }}
    {%- elif problem -%}
        {{ exceptions.raise_compiler_error(problem) }}
    {%- endif -%}
    {{ return(value | string) }}
{% endmacro %}

{#- The problem with a candidate input path (var `customers_csv`, or `var_name`), or an empty string when it is usable:
    it must be a non-empty string without quotes, backticks, semicolons or control characters
    (so it can never end a SQL string literal), naming a .csv file (optionally .csv.gz). -#}
{% macro customers_csv_path_error(value, var_name="customers_csv") %}
    {%- if value is not string or value | trim == "" -%}
        {{ return("var '" ~ var_name ~ "' must be the path of a CSV file, got '" ~ value ~ "'") }}
    {%- endif -%}
    {%- if modules.re.search("['\"`;\\x00-\\x1f\\x7f]", value) -%}
        {{ return("var '" ~ var_name ~ "' must be a plain file path without quotes, backticks, "
            ~ "semicolons or control characters, got: " ~ value) }}
    {%- endif -%}
    {%- if not modules.re.search("[.]csv([.]gz)?$", value.lower()) -%}
        {{ return("var '" ~ var_name ~ "' must name a .csv (or .csv.gz) file, got '"
            ~ value ~ "'") }}
    {%- endif -%}
    {{ return("") }}
{% endmacro %}
