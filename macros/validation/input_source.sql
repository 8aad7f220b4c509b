{#- The input the current run reads, as {"path": ..., "var": ...}: the Parquet file(s) of var
    `customers_parquet` when set, else the CSV of var `customers_csv` (CC GENERAL), or the
    transactions file (ledger input). Error messages name the file and the var from here, so
    they never name a file the run did not read. -#}
{% macro input_source() %}
    {%- if setting("input_format") == "ledger" -%}
        {%- set name = "transactions_csv" -%}
    {%- elif setting("customers_parquet") -%}
        {%- set name = "customers_parquet" -%}
    {%- else -%}
        {%- set name = "customers_csv" -%}
    {%- endif -%}
    {{ return({"path": setting(name) | string, "var": name}) }}
{% endmacro %}

{#- "Input file '<path>' (var <name>)", the subject of every input error message. -#}
{% macro input_subject() %}
    {%- set source = input_source() -%}
    {{ return("Input file '" ~ source.path ~ "' (var " ~ source.var ~ ")") }}
{% endmacro %}
