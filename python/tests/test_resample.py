"""CC GENERAL resampled for `make bench DATA=cc`: real rows, jittered, clipped, new ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.generator import generate_customers
from customer_segmentation.resample import (
    AMOUNT_COLUMNS,
    COUNT_COLUMNS,
    SHARE_COLUMNS,
    iter_resampled_chunks,
    read_source,
    write_resampled,
)
from customer_segmentation.schema import CC_GENERAL_COLUMNS, CC_GENERAL_FEATURES


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    """A CC-GENERAL-shaped source with the quirks of the real file: values at the edges of
    their ranges, a row whose PURCHASES does not equal its parts, missing values."""
    frame = generate_customers(300, seed=3)[list(CC_GENERAL_FEATURES)].astype("float64")
    frame.loc[0, ["BALANCE_FREQUENCY", "PRC_FULL_PAYMENT", "TENURE"]] = [1.0, 1.0, 12.0]
    frame.loc[1, ["PURCHASES", "ONEOFF_PURCHASES", "INSTALLMENTS_PURCHASES"]] = [500, 100, 50]
    frame.loc[2, "MINIMUM_PAYMENTS"] = np.nan
    return frame


def resample(source: pd.DataFrame, n: int, **kwargs: object) -> pd.DataFrame:
    return pd.concat(list(iter_resampled_chunks(source, n, **kwargs)), ignore_index=True)  # type: ignore[arg-type]


def test_without_jitter_every_row_is_a_source_row(source: pd.DataFrame) -> None:
    out = resample(source, 2000, seed=7, jitter=0.0)
    assert list(out.columns) == list(CC_GENERAL_COLUMNS)
    assert out["CUST_ID"].is_unique and len(out) == 2000
    rounded = source.round(6)
    keys = {tuple(row) for row in rounded.fillna(-1).itertuples(index=False)}
    values = out[list(CC_GENERAL_FEATURES)].astype("float64").fillna(-1)
    assert all(tuple(row) in keys for row in values.itertuples(index=False))
    # drawn with replacement: repeats, and most source rows are drawn at least once
    assert values.duplicated().any()
    assert values.drop_duplicates().shape[0] > 0.9 * len(source)


def test_jitter_is_multiplicative_with_the_given_spread(source: pd.DataFrame) -> None:
    plain = resample(source, 20000, seed=7, jitter=0.0)
    jittered = resample(source, 20000, seed=7, jitter=0.05)
    for column in ("BALANCE", "PAYMENTS", "CREDIT_LIMIT"):
        base, noisy = plain[column].to_numpy(), jittered[column].to_numpy()
        usable = (base > 1) & np.isfinite(base)
        factor = noisy[usable] / base[usable]
        assert abs(factor.mean() - 1) < 0.003
        assert np.std(factor) == pytest.approx(0.05, rel=0.05)
    # shares are jittered too (then clipped), not copied
    assert (plain["PURCHASES_FREQUENCY"] != jittered["PURCHASES_FREQUENCY"]).mean() > 0.5


def test_values_stay_in_their_valid_ranges(source: pd.DataFrame) -> None:
    out = resample(source, 20000, seed=1, jitter=0.3)  # large jitter: clipping must act
    for column in AMOUNT_COLUMNS:
        assert (out[column].dropna() >= 0).all()
    for column in SHARE_COLUMNS:
        assert out[column].between(0, 1).all()
    assert (out["PRC_FULL_PAYMENT"] == 1).any()  # the clipped edge is reached
    for column in (*COUNT_COLUMNS, "TENURE"):
        assert str(out[column].dtype) == "Int64"
        assert (out[column] >= 0).all()
    assert out["TENURE"].between(1, 12).all()
    assert (out["TENURE"] == 12).any()


def test_purchases_equal_their_parts_where_the_source_row_did(source: pd.DataFrame) -> None:
    out = resample(source, 5000, seed=2, jitter=0.05)
    parts = out["ONEOFF_PURCHASES"] + out["INSTALLMENTS_PURCHASES"]
    gap = (out["PURCHASES"] - parts).abs()
    # the mismatching source row (500 vs 150) stays a mismatch; every other row holds
    assert (gap > 100).sum() > 0
    assert (gap[gap <= 100] <= 2e-6).all()


def test_missing_values_stay_missing(source: pd.DataFrame) -> None:
    out = resample(source, 30000, seed=4)
    expected = source["MINIMUM_PAYMENTS"].isna().mean()
    assert out["MINIMUM_PAYMENTS"].isna().mean() == pytest.approx(expected, abs=0.004)
    assert out["BALANCE"].notna().all()


def test_seeded_chunked_and_months_keep_the_customers(source: pd.DataFrame) -> None:
    small = resample(source, 700, seed=5, chunk_rows=300)
    pd.testing.assert_frame_equal(small, resample(source, 700, seed=5, chunk_rows=300))
    larger = resample(source, 1000, seed=5, chunk_rows=300)
    pd.testing.assert_frame_equal(larger.iloc[:700], small)
    assert not resample(source, 700, seed=6, chunk_rows=300).equals(small)
    # another month: the same source rows (equal without jitter), a different jitter
    pd.testing.assert_frame_equal(
        resample(source, 700, seed=5, month=3, jitter=0.0),
        resample(source, 700, seed=5, month=0, jitter=0.0),
    )
    month = resample(source, 700, seed=5, month=1, chunk_rows=300)
    assert (month["BALANCE"] != small["BALANCE"]).mean() > 0.9
    assert np.corrcoef(month["BALANCE"], small["BALANCE"])[0, 1] > 0.98


def test_write_and_read_back(tmp_path: Path, source: pd.DataFrame) -> None:
    source_csv = tmp_path / "cc.csv"
    with_ids = source.copy()
    with_ids.insert(0, "CUST_ID", [f"X{i}" for i in range(len(source))])
    with_ids.to_csv(source_csv, index=False)
    read = read_source(source_csv)
    pd.testing.assert_frame_equal(read, source, check_dtype=False)

    csv = write_resampled(tmp_path / "out.csv", read, 1234, seed=9)
    back = pd.read_csv(csv)
    assert list(back.columns) == list(CC_GENERAL_COLUMNS) and len(back) == 1234
    assert back["TENURE"].dtype == np.int64  # written as whole numbers
    parquet = write_resampled(tmp_path / "out.parquet", read, 1234, seed=9)
    pd.testing.assert_frame_equal(
        pd.read_parquet(parquet).astype({"TENURE": "int64"})[["CUST_ID", "BALANCE", "TENURE"]],
        back[["CUST_ID", "BALANCE", "TENURE"]],
    )
    empty = pd.read_csv(write_resampled(tmp_path / "empty.csv", read, 0))
    assert list(empty.columns) == list(CC_GENERAL_COLUMNS) and empty.empty


def test_read_source_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"CC GENERAL not found at .*nope\.csv"):
        read_source(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("CUST_ID,BALANCE\nC1,3\n")
    with pytest.raises(ValueError, match=r"bad\.csv is not in the CC GENERAL format"):
        read_source(bad)
    with pytest.raises(ValueError, match="jitter must be >= 0"):
        resample(pd.DataFrame({c: [1.0] for c in CC_GENERAL_FEATURES}), 3, jitter=-1)
