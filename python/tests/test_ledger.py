from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from customer_segmentation.ledger import (
    ACCOUNT_COLUMNS,
    ARCHETYPE_NAMES,
    TRANSACTION_COLUMNS,
    TRANSACTION_TYPES,
    generate_ledger,
    write_ledger,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def ledger() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate_ledger(4000, seed=3, as_of=date(2026, 6, 1))


def test_contract_and_invariants(ledger) -> None:
    accounts, transactions = ledger
    assert list(accounts.columns) == [*ACCOUNT_COLUMNS, "archetype"]
    assert list(transactions.columns) == TRANSACTION_COLUMNS
    assert accounts["customer_id"].is_unique
    assert set(transactions["customer_id"]) <= set(accounts["customer_id"])
    assert set(transactions["transaction_type"]) == set(TRANSACTION_TYPES)
    assert (transactions["amount"] > 0).all()
    assert transactions["transaction_ts"].max() < pd.Timestamp("2026-06-01")
    assert transactions["transaction_ts"].min() >= pd.Timestamp("2025-06-01")
    assert set(accounts["archetype"]) == set(ARCHETYPE_NAMES)


def test_archetypes_and_seasonality_show_in_the_ledger(ledger) -> None:
    accounts, transactions = ledger
    kind = accounts.set_index("customer_id")["archetype"]
    tx = transactions.assign(archetype=kind.loc[transactions["customer_id"]].to_numpy())
    cash = tx[tx.transaction_type == "cash_advance"].groupby("archetype").size()
    assert cash.idxmax() == "revolver"
    purchases = tx[tx.transaction_type.str.startswith("purchase")]
    per_customer = purchases.groupby("archetype")["amount"].sum() / kind.value_counts()
    assert per_customer.idxmax() == "transactor"
    by_month = purchases.groupby(purchases["transaction_ts"].dt.month).size()
    assert by_month.loc[12] > by_month.loc[1]  # December busier than January


def test_deterministic(ledger) -> None:
    accounts, transactions = generate_ledger(4000, seed=3, as_of=date(2026, 6, 1))
    pd.testing.assert_frame_equal(accounts, ledger[0])
    pd.testing.assert_frame_equal(transactions, ledger[1])


def test_bundled_sample_ledger_is_the_generator_output(tmp_path: Path) -> None:
    """seeds/sample_ledger_*.csv: `generate-ledger --customers 1000 --seed 42`."""
    accounts, transactions = write_ledger(tmp_path, 1000, seed=42)
    assert accounts.read_bytes() == (SEEDS / "sample_ledger_accounts.csv").read_bytes()
    assert transactions.read_bytes() == (SEEDS / "sample_ledger_transactions.csv").read_bytes()


def test_parquet_output_round_trips(tmp_path: Path) -> None:
    accounts, transactions = write_ledger(tmp_path, 300, seed=1, parquet=True)
    _, expected_tx = generate_ledger(300, seed=1)
    assert len(pd.read_parquet(accounts)) == 300
    assert len(pd.read_parquet(transactions)) == len(expected_tx)
    assert not list(tmp_path.glob("*.tmp"))


def test_rejects_negative_count() -> None:
    with pytest.raises(ValueError, match="n_customers must be >= 0"):
        generate_ledger(-5)
