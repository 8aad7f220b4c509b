{#- The input the current run reads, as {"path": ..., "var": ..., "origin": ...}: the Parquet
    file(s) of customers_parquet_setting() (SEGMENTATION_CUSTOMERS_PARQUET, else var
    `customers_parquet`) when set, else the CSV of customers_csv_setting()
    (SEGMENTATION_CUSTOMERS_CSV, else var `customers_csv`; CC GENERAL), or the transactions file
    (ledger input). Error messages name the file and the var from here, so
    they never name a file the run did not read. -#}
{% macro input_source() %}
    {%- set parquet = customers_parquet_setting() -%}
    {%- if setting("input_format") == "ledger" -%}
        {{ return({"path": setting("transactions_csv") | string, "var": "transactions_csv",
            "origin": "var transactions_csv"}) }}
    {%- elif parquet -%}
        {{ return({"path": parquet | string, "var": "customers_parquet",
            "origin": schedule_setting_origin("SEGMENTATION_CUSTOMERS_PARQUET",
                "customers_parquet")}) }}
    {%- endif -%}
    {{ return({"path": customers_csv_setting() | string, "var": "customers_csv",
        "origin": schedule_setting_origin("SEGMENTATION_CUSTOMERS_CSV", "customers_csv")}) }}
{% endmacro %}

{#- "Input file '<path>' (var <name>)", the subject of every input error message. -#}
{% macro input_subject() %}
    {%- set source = input_source() -%}
    {{ return("Input file '" ~ source.path ~ "' (" ~ source.origin ~ ")") }}
{% endmacro %}
