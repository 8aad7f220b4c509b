"""The CC GENERAL input contract: column names as they appear in the CSV and in SQL."""

from __future__ import annotations

#: Identifier column of the CC GENERAL file.
CUSTOMER_ID_COLUMN = "CUST_ID"

#: The 17 behavioural columns of CC GENERAL, in file order.
CC_GENERAL_FEATURES: tuple[str, ...] = (
    "BALANCE",
    "BALANCE_FREQUENCY",
    "PURCHASES",
    "ONEOFF_PURCHASES",
    "INSTALLMENTS_PURCHASES",
    "CASH_ADVANCE",
    "PURCHASES_FREQUENCY",
    "ONEOFF_PURCHASES_FREQUENCY",
    "PURCHASES_INSTALLMENTS_FREQUENCY",
    "CASH_ADVANCE_FREQUENCY",
    "CASH_ADVANCE_TRX",
    "PURCHASES_TRX",
    "CREDIT_LIMIT",
    "PAYMENTS",
    "MINIMUM_PAYMENTS",
    "PRC_FULL_PAYMENT",
    "TENURE",
)

#: All columns of the file, in file order.
CC_GENERAL_COLUMNS: tuple[str, ...] = (CUSTOMER_ID_COLUMN, *CC_GENERAL_FEATURES)


def sql_name(column: str) -> str:
    """Warehouse (snake_case) name of a CC GENERAL column: ``CUST_ID`` -> ``customer_id``."""
    return "customer_id" if column == CUSTOMER_ID_COLUMN else column.lower()


#: The 17 feature names as used in SQL models and parameter tables.
SQL_FEATURES: tuple[str, ...] = tuple(sql_name(c) for c in CC_GENERAL_FEATURES)
