{#- The transaction ledger's contract (docs/ledger.md): accepted transaction types and what
    each counts as, the optional order id column, and the accounts file actually used. -#}

{#- Accepted `transaction_type` values (lower-cased, trimmed) -> canonical type. `purchase` is a
    one-off purchase; `refund` and `reversal` are refunds (netted against purchase spend). -#}
{% macro ledger_transaction_types() %}
    {{ return({
        "purchase": "purchase_oneoff",
        "purchase_oneoff": "purchase_oneoff",
        "purchase_installment": "purchase_installment",
        "cash_advance": "cash_advance",
        "payment": "payment",
        "refund": "refund",
        "reversal": "refund",
    }) }}
{% endmacro %}

{#- SQL: the canonical type of the lower-cased type text `expression`, NULL when unknown. -#}
{% macro ledger_canonical_type(expression) -%}
    case {{ expression }}
        {%- for text, canonical in ledger_transaction_types().items() %}
            when '{{ text }}' then '{{ canonical }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- True when the transactions file has an `order_id` column (basket / order / receipt id).
    Read from the file's header at run time; at parse time (nothing is read) false. -#}
{% macro ledger_has_order_id() %}
    {%- if not execute %}
        {{ return(false) }}
    {%- endif %}
    {{ return("order_id" in ledger_transaction_file_columns()) }}
{% endmacro %}

{% macro ledger_transaction_file_columns() %}
    {{ return(adapter.dispatch("ledger_transaction_file_columns", "segmentation")()) }}
{% endmacro %}

{% macro default__ledger_transaction_file_columns() %}
    {%- set columns = adapter.get_columns_in_relation(source("ledger", "transactions")) %}
    {{ return(columns | map(attribute="name") | map("lower") | list) }}
{% endmacro %}

{% macro duckdb__ledger_transaction_file_columns() %}
    {%- set path = setting("transactions_csv") | string | replace("'", "''") %}
    {%- set described = run_query(
        "describe select * from read_csv('" ~ path ~ "', header = true, all_varchar = true)") %}
    {{ return(described.columns[0].values() | map("lower") | map("trim") | list) }}
{% endmacro %}

{#- Whether an accounts file is used: var accounts_csv set to a path (null or '' = none). -#}
{% macro ledger_has_accounts() %}
    {{ return((setting("accounts_csv") or "") | string | trim != "") }}
{% endmacro %}

{#- Account features a ledger has only with an accounts file. -#}
{% macro ledger_account_features() %}
    {{ return(["balance", "credit_limit"]) }}
{% endmacro %}
