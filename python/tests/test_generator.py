from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.generator import (
    ARCHETYPE_NAMES,
    generate_customers,
    iter_customer_chunks,
    write_customers,
)
from customer_segmentation.schema import CC_GENERAL_COLUMNS, CC_GENERAL_FEATURES

FREQUENCIES = [c for c in CC_GENERAL_FEATURES if c.endswith("FREQUENCY") or c == "PRC_FULL_PAYMENT"]


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return generate_customers(20_000, seed=3)


def test_columns_and_unique_ids(customers: pd.DataFrame) -> None:
    assert list(customers.columns) == [*CC_GENERAL_COLUMNS, "archetype"]
    assert customers["CUST_ID"].is_unique
    assert set(customers["archetype"]) == set(ARCHETYPE_NAMES)


def test_invariants_of_the_real_file(customers: pd.DataFrame) -> None:
    diff = (
        customers["PURCHASES"] - customers["ONEOFF_PURCHASES"] - customers["INSTALLMENTS_PURCHASES"]
    )
    assert diff.abs().max() < 0.006
    for column in FREQUENCIES:
        assert customers[column].between(0, 1).all(), column
    assert customers["TENURE"].between(6, 12).all()
    money = [
        "BALANCE",
        "PURCHASES",
        "ONEOFF_PURCHASES",
        "INSTALLMENTS_PURCHASES",
        "CASH_ADVANCE",
        "PAYMENTS",
    ]
    assert (customers[money] >= 0).all().all()
    # months with one-off or installment purchases are months with purchases
    assert (
        customers["ONEOFF_PURCHASES_FREQUENCY"] <= customers["PURCHASES_FREQUENCY"] + 1e-9
    ).all()
    missing_share = customers["MINIMUM_PAYMENTS"].isna().mean()
    assert 0.025 < missing_share < 0.045
    assert customers.drop(columns=["MINIMUM_PAYMENTS", "CREDIT_LIMIT"]).notna().all().all()


def test_archetypes_differ_as_documented(customers: pd.DataFrame) -> None:
    means = customers.groupby("archetype")[list(CC_GENERAL_FEATURES)].mean()
    assert means["CASH_ADVANCE_FREQUENCY"].idxmax() == "revolver"
    assert means["ONEOFF_PURCHASES"].idxmax() == "transactor"
    assert means["PURCHASES_INSTALLMENTS_FREQUENCY"].idxmax() == "installment"
    assert means["PURCHASES_FREQUENCY"].idxmin() in {"low_activity", "revolver"}


def test_deterministic_and_prefix_stable() -> None:
    first = generate_customers(3_000, seed=11)
    pd.testing.assert_frame_equal(first, generate_customers(3_000, seed=11))
    assert not first.equals(generate_customers(3_000, seed=12))
    chunks = list(iter_customer_chunks(5_000, seed=11, chunk_rows=1_000))
    assert [len(c) for c in chunks] == [1_000] * 5
    # a larger file made with the same seed starts with the same rows
    small = pd.concat(
        list(iter_customer_chunks(2_000, seed=11, chunk_rows=1_000)), ignore_index=True
    )
    pd.testing.assert_frame_equal(small, pd.concat(chunks[:2], ignore_index=True))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_customers_round_trip(tmp_path: Path, suffix: str) -> None:
    path = write_customers(tmp_path / f"customers{suffix}", 1_500, seed=5)
    read = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    expected = generate_customers(1_500, seed=5)[list(CC_GENERAL_COLUMNS)]
    assert list(read.columns) == list(CC_GENERAL_COLUMNS)
    assert len(read) == 1_500
    np.testing.assert_allclose(
        read[list(CC_GENERAL_FEATURES)].to_numpy(dtype=float),
        expected[list(CC_GENERAL_FEATURES)].to_numpy(dtype=float),
        rtol=1e-12,
    )
    assert not list(tmp_path.glob("*.tmp"))


def test_write_zero_rows_gives_header_only(tmp_path: Path) -> None:
    path = write_customers(tmp_path / "empty.csv", 0)
    assert path.read_text().strip().replace('"', "") == ",".join(CC_GENERAL_COLUMNS)


def test_rejects_negative_rows() -> None:
    with pytest.raises(ValueError, match="n_rows must be >= 0"):
        generate_customers(-1)
