{#- Post-hook of int_ledger_customer_features: prints the ledger window and where the lines and
    customers went (one line each), the account features left out without an accounts file,
    and stops the build, before anything is fitted or published, when no customer is left. -#}
{% macro ledger_summary() %}
    {%- if not execute %}
        {{ return("") }}
    {%- endif %}
    {%- set summary_sql %}
        select
            cast(ledger_window.window_start_date as string),
            cast(ledger_window.as_of_date as string),
            ledger_window.as_of_rule,
            (select count(*) from {{ ref('int_ledger_transactions_checked') }}),
            (select count(*) from {{ ref('int_ledger_transactions_checked') }}
                where reason_code is not null),
            (select count(*) from {{ ref('int_ledger_transactions_windowed') }}),
            (select count(*) from {{ this }}),
            (select count(*) from {{ this }} where not is_active_in_window)
        from {{ ref('int_ledger_window') }} as ledger_window
    {%- endset %}
    {%- set row = run_query(summary_sql).rows[0] %}
    {%- set window_start, as_of, rule = row[0], row[1], row[2] %}
    {%- set n_read, n_quarantined, n_used, n_customers, n_inactive = row[3], row[4], row[5],
        row[6], row[7] %}
    {%- do log("ledger window [" ~ window_start ~ ", " ~ as_of ~ ") (ledger.as_of: " ~ rule
        ~ "): " ~ n_used ~ " of " ~ n_read ~ " lines used, " ~ n_quarantined
        ~ " quarantined (ledger_quarantine), " ~ (n_read - n_used - n_quarantined)
        ~ " outside the window; " ~ n_customers ~ " customers, " ~ n_inactive
        ~ " of them inactive in the window (see ledger_reconciliation)", info=true) %}
    {%- if not ledger_has_accounts() %}
        {%- do log("no accounts file (var accounts_csv): "
            ~ ledger_account_features() | join(", ")
            ~ " are NULL for everyone and left out of the model features", info=true) %}
    {%- endif %}
    {%- if n_customers == 0 %}
        {{ exceptions.raise_compiler_error(
            "No ledger customer to segment: transactions file '" ~ setting("transactions_csv")
            ~ "' (var transactions_csv) has " ~ n_read ~ " lines, " ~ n_quarantined
            ~ " quarantined, none valid before ledger.as_of " ~ as_of ~ " (window ["
            ~ window_start ~ ", " ~ as_of ~ ")). Set ledger.as_of after the ledger's dates"
            ~ " or leave it empty (= the day after the last transaction).") }}
    {%- endif %}
    {{ return("") }}
{% endmacro %}
