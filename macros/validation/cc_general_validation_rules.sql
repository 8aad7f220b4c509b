{#- Row-level validation rules of the CC GENERAL input: which columns are money amounts,
    transaction counts, shares of months (0..1) and the tenure, and every reason code a row can
    be reported with, in priority order. Names come from cc_general_columns(), never from vars. -#}
{% macro cc_general_validation_rules() %}
    {{ return({
        "amount_columns": [
            "balance", "purchases", "oneoff_purchases", "installments_purchases", "cash_advance",
            "credit_limit", "payments", "minimum_payments",
        ],
        "count_columns": ["cash_advance_trx", "purchases_trx"],
        "frequency_columns": [
            "balance_frequency", "purchases_frequency", "oneoff_purchases_frequency",
            "purchases_installments_frequency", "cash_advance_frequency", "prc_full_payment",
        ],
        "tenure_columns": ["tenure"],
        "reason_codes": [
            "missing_customer_id", "duplicate_customer_id", "non_numeric_value",
            "non_finite_value", "negative_amount", "negative_count", "frequency_out_of_range",
            "purchases_mismatch", "tenure_out_of_range",
        ],
        "warn_only_allowed": [
            "non_numeric_value", "negative_amount", "negative_count", "frequency_out_of_range",
            "purchases_mismatch", "tenure_out_of_range",
        ],
    }) }}
{% endmacro %}
