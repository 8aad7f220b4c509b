{#- The feature catalogue: which numeric columns exist for each input format, which engineered
    features can be derived, and which columns a feature set selects. All names that reach SQL
    come from these fixed lists; user-supplied names are only ever compared against them. -#}

{#- Numeric per-customer columns delivered by the input (before imputation). -#}
{% macro base_feature_columns() %}
    {%- set input_format = var("input_format") %}
    {%- if input_format == "cc_general" %}
        {{ return(cc_general_columns() | map(attribute="name") | list) }}
    {%- elif input_format == "ledger" %}
        {{ return(ledger_feature_columns()) }}
    {%- else %}
        {{ exceptions.raise_compiler_error(
            "var 'input_format' must be 'cc_general' or 'ledger', got '" ~ input_format ~ "'") }}
    {%- endif %}
{% endmacro %}

{#- Customer-level numeric columns derived from a transaction ledger (see int_ledger_customer_features). -#}
{% macro ledger_feature_columns() %}
    {{ return([
        "balance", "purchases", "oneoff_purchases", "installments_purchases", "cash_advance",
        "purchases_frequency", "oneoff_purchases_frequency", "purchases_installments_frequency",
        "cash_advance_frequency", "cash_advance_trx", "purchases_trx", "credit_limit", "payments",
        "tenure", "recency_days", "frequency", "monetary", "recency_score", "frequency_score",
        "monetary_score", "avg_monthly_spend", "avg_order_value", "n_distinct_categories",
        "diversity_score",
    ]) }}
{% endmacro %}

{#- Engineered ratios: name, numerator, denominator. A zero or missing denominator gives 0. Only
    those whose inputs the input format delivers are computed. -#}
{% macro engineered_feature_definitions() %}
    {%- set definitions = [
        {"name": "monthly_avg_purchases", "numerator": "purchases", "denominator": "tenure"},
        {"name": "monthly_avg_cash_advance", "numerator": "cash_advance", "denominator": "tenure"},
        {"name": "limit_usage", "numerator": "balance", "denominator": "credit_limit"},
        {"name": "payment_to_minimum_ratio", "numerator": "payments",
         "denominator": "minimum_payments"},
        {"name": "payment_to_balance_ratio", "numerator": "payments", "denominator": "balance"},
        {"name": "avg_purchase_amount", "numerator": "purchases", "denominator": "purchases_trx"},
    ] %}
    {%- set base = base_feature_columns() %}
    {%- set available = definitions
        | selectattr("numerator", "in", base)
        | selectattr("denominator", "in", base)
        | list %}
    {{ return(available) }}
{% endmacro %}

{#- Every numeric feature a model may use: input columns plus engineered ratios. -#}
{% macro available_features() %}
    {{ return(base_feature_columns() + engineered_feature_definitions() | map(attribute="name") | list) }}
{% endmacro %}

{#- Heavy-tailed money columns: log1p by default in the `engineered` and `transactions` sets. -#}
{% macro money_features() %}
    {{ return([
        "balance", "purchases", "oneoff_purchases", "installments_purchases", "cash_advance",
        "credit_limit", "payments", "minimum_payments", "monetary", "avg_monthly_spend",
        "avg_order_value", "monthly_avg_purchases", "monthly_avg_cash_advance", "avg_purchase_amount",
    ]) }}
{% endmacro %}

{#- The named feature sets. -#}
{% macro feature_set_definitions() %}
    {{ return({
        "seed17": cc_general_columns() | map(attribute="name") | list,
        "engineered": [
            "monthly_avg_purchases", "monthly_avg_cash_advance", "limit_usage",
            "payment_to_minimum_ratio", "payment_to_balance_ratio", "avg_purchase_amount",
            "balance", "purchases", "cash_advance", "credit_limit", "payments",
            "purchases_frequency", "purchases_installments_frequency", "cash_advance_frequency",
            "prc_full_payment",
        ],
        "transactions": transactions_feature_set(),
    }) }}
{% endmacro %}

{#- The `transactions` set: RFM, spend and diversity, card behaviour, and the account features
    (credit_limit, balance) only when an accounts file is used (ledger_has_accounts): without
    one they would be NULL for everyone. -#}
{% macro transactions_feature_set() %}
    {%- set features = [
        "recency_days", "frequency", "monetary", "avg_monthly_spend", "avg_order_value",
        "n_distinct_categories", "diversity_score", "purchases_frequency",
        "purchases_installments_frequency", "oneoff_purchases", "installments_purchases",
        "cash_advance", "cash_advance_frequency", "payments", "credit_limit", "balance",
    ] %}
    {%- if var("input_format") == "ledger" and not ledger_has_accounts() %}
        {{ return(features | reject("in", ledger_account_features()) | list) }}
    {%- endif %}
    {{ return(features) }}
{% endmacro %}

{#- Every feature name the project knows, for any input format (persona rules may use any). -#}
{% macro known_feature_names() %}
    {%- set engineered = [
        "monthly_avg_purchases", "monthly_avg_cash_advance", "limit_usage",
        "payment_to_minimum_ratio", "payment_to_balance_ratio", "avg_purchase_amount",
    ] %}
    {%- set names = cc_general_columns() | map(attribute="name") | list
        + ledger_feature_columns() + engineered %}
    {{ return(names | unique | list) }}
{% endmacro %}
