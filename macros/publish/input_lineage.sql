{#- The input lineage of this run (var `input_lineage`): the history a run belongs to. Drift is
    compared only with earlier runs of the same lineage, so the first run on a new data set
    starts its own baseline instead of failing on its difference from the sample. Default:
    `sample` when the input is the bundled sample, `default` for any other CC GENERAL input;
    `ledger_sample` / `ledger` for ledger input. See docs/decisions/012-switching-data-sets.md.
    -#}
{% macro input_lineage() %}
    {%- set chosen = setting("input_lineage") -%}
    {%- if chosen is not none and (chosen | string | trim) not in ["", "none", "None", "null"] -%}
        {%- set text = chosen | string | trim -%}
        {%- if not modules.re.match("^[A-Za-z0-9_.-]{1,64}$", text) -%}
            {{ exceptions.raise_compiler_error("var 'input_lineage' must be a name of letters, "
                ~ "digits, '_', '.' or '-' (at most 64), got '" ~ text ~ "'") }}
        {%- endif -%}
        {{ return(text) }}
    {%- endif -%}
    {%- if setting("input_format") == "ledger" -%}
        {%- set is_sample = (setting("transactions_csv") | string)
            == "seeds/sample_ledger_transactions.csv" -%}
        {{ return("ledger_sample" if is_sample else "ledger") }}
    {%- else -%}
        {%- set parquet = customers_parquet_setting() -%}
        {%- set is_sample = (parquet is none or (parquet | string | trim) in ["", "none", "None"])
            and (customers_csv_setting() | string) == "seeds/sample_customers.csv" -%}
    {%- endif -%}
    {{ return("sample" if is_sample else "default") }}
{% endmacro %}
