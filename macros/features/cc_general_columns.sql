{#- The CC GENERAL input contract: each column of the file and its snake_case name in the warehouse.
    Every model that needs the feature list takes it from here, so names reach SQL only from this
    fixed list, never from user input. -#}
{% macro cc_general_columns() %}
    {{ return([
        {"source": "BALANCE", "name": "balance"},
        {"source": "BALANCE_FREQUENCY", "name": "balance_frequency"},
        {"source": "PURCHASES", "name": "purchases"},
        {"source": "ONEOFF_PURCHASES", "name": "oneoff_purchases"},
        {"source": "INSTALLMENTS_PURCHASES", "name": "installments_purchases"},
        {"source": "CASH_ADVANCE", "name": "cash_advance"},
        {"source": "PURCHASES_FREQUENCY", "name": "purchases_frequency"},
        {"source": "ONEOFF_PURCHASES_FREQUENCY", "name": "oneoff_purchases_frequency"},
        {"source": "PURCHASES_INSTALLMENTS_FREQUENCY", "name": "purchases_installments_frequency"},
        {"source": "CASH_ADVANCE_FREQUENCY", "name": "cash_advance_frequency"},
        {"source": "CASH_ADVANCE_TRX", "name": "cash_advance_trx"},
        {"source": "PURCHASES_TRX", "name": "purchases_trx"},
        {"source": "CREDIT_LIMIT", "name": "credit_limit"},
        {"source": "PAYMENTS", "name": "payments"},
        {"source": "MINIMUM_PAYMENTS", "name": "minimum_payments"},
        {"source": "PRC_FULL_PAYMENT", "name": "prc_full_payment"},
        {"source": "TENURE", "name": "tenure"},
    ]) }}
{% endmacro %}
