from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.ledger import (
    ACCOUNT_COLUMNS,
    ARCHETYPE_NAMES,
    DEPARTMENTS,
    RETAIL_TRANSACTION_COLUMNS,
    TRANSACTION_COLUMNS,
    TRANSACTION_TYPES,
    generate_ledger,
    generate_retail_ledger,
    main,
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


# --- retail mode ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def retail() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate_retail_ledger(3000, seed=9, as_of=date(2026, 6, 1))


def test_retail_ledger_looks_like_basket_lines(retail) -> None:
    customers, tx = retail
    assert list(tx.columns) == RETAIL_TRANSACTION_COLUMNS
    assert set(tx["transaction_type"]) == {"purchase", "refund"}
    assert set(tx["category"]) == set(DEPARTMENTS)
    assert set(tx["customer_id"]) == set(customers["customer_id"])  # everyone bought once
    purchases = tx[tx["transaction_type"] == "purchase"]
    lines_per_basket = purchases.groupby("order_id").size()
    assert lines_per_basket.mean() > 2 and lines_per_basket.max() > 10
    assert purchases.groupby("order_id")["customer_id"].nunique().max() == 1
    assert (purchases["amount"] < 0).any()  # reversals
    refunds = tx[tx["transaction_type"] == "refund"]
    assert len(refunds) > 0 and (refunds["amount"] > 0).all()
    assert set(refunds["order_id"]) <= set(purchases["order_id"])
    # history longer than the 12-month window, nothing on or after as_of
    assert tx["transaction_ts"].min() < pd.Timestamp("2025-01-01")
    assert tx["transaction_ts"].max() < pd.Timestamp("2026-06-01")


def test_retail_ledger_has_one_time_buyers_and_lapsed_customers(retail) -> None:
    customers, tx = retail
    kind = customers.set_index("customer_id")["archetype"]
    baskets = tx[tx["transaction_type"] == "purchase"].groupby("customer_id")["order_id"].nunique()
    assert (baskets == 1).mean() > 0.4
    assert (baskets[kind[kind == "one_time"].index] == 1).all()
    bought = tx[tx["transaction_type"] == "purchase"]
    last = bought.groupby("customer_id")["transaction_ts"].max()
    lapsed = last[kind[kind == "lapsed"].index]
    assert (lapsed < pd.Timestamp("2026-03-03")).all()  # stopped 3+ months (91 days) before as_of
    assert (lapsed < pd.Timestamp("2025-06-01")).any()  # some before the 12-month window
    assert baskets[kind[kind == "loyal"].index].median() > 20


def test_retail_ledger_is_deterministic_and_written_without_accounts(retail, tmp_path) -> None:
    _, again = generate_retail_ledger(3000, seed=9, as_of=date(2026, 6, 1))
    pd.testing.assert_frame_equal(again, retail[1])
    main(["--mode", "retail", "--customers", "200", "--out-dir", str(tmp_path), "--seed", "1"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["transactions.csv"]
    written = pd.read_csv(tmp_path / "transactions.csv")
    _, expected = generate_retail_ledger(200, seed=1)
    assert list(written.columns) == RETAIL_TRANSACTION_COLUMNS
    assert len(written) == len(expected)
    np.testing.assert_allclose(written["amount"], expected["amount"])


def test_retail_ledger_rejects_a_history_shorter_than_the_window() -> None:
    with pytest.raises(ValueError, match="months must be at least 13"):
        generate_retail_ledger(10, months=12)
