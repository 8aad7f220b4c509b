"""Deterministic generator of synthetic customers in the CC GENERAL format.

Every customer is drawn from one of four behavioural archetypes that mirror the segments analysts
usually find in the real CC GENERAL data:

============================  =====  =====================================================
archetype                     share  behaviour
============================  =====  =====================================================
``low_activity``              35 %   few purchases, small balances, little cash advance
``revolver``                  20 %   high balance, frequent cash advances, rarely pays in full
``installment``               30 %   buys most months, mainly in installments, modest amounts
``transactor``                15 %   large one-off purchases, high limit, often pays in full
============================  =====  =====================================================

The columns keep the invariants of the real file: ``PURCHASES = ONEOFF_PURCHASES +
INSTALLMENTS_PURCHASES`` (to the cent), every ``*_FREQUENCY`` is a share of the tenure's months in
[0, 1], ``TENURE`` is 6..12 months, about 3.5 % of ``MINIMUM_PAYMENTS`` are missing and about one
in 10,000 ``CREDIT_LIMIT`` values is missing.

The output depends only on ``(n_rows, seed)``: rows are produced in fixed-size chunks, each chunk
with its own random stream derived from the seed, so a 10M-row file starts with the same rows as a
1M-row file made with the same seed, and memory stays bounded by the chunk size.

Command line::

    python -m customer_segmentation.generator --rows 1000000 --out data/customers_1m.csv
    python -m customer_segmentation.generator --rows 5000000 --out data/customers.parquet
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pa_parquet

from customer_segmentation.schema import CC_GENERAL_COLUMNS

#: Rows generated per random stream; also the write batch size.
CHUNK_ROWS = 250_000


@dataclass(frozen=True)
class Archetype:
    """Parameters of one behavioural archetype (amounts are medians per active month)."""

    name: str
    share: float
    purchase_month_rate: float
    oneoff_month_rate: float
    installment_month_rate: float
    cash_advance_month_rate: float
    oneoff_amount: float
    installment_amount: float
    cash_advance_amount: float
    transactions_per_month: float
    balance: float
    credit_limit: float
    full_payment_alpha: float
    full_payment_beta: float


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("low_activity", 0.35, 0.12, 0.06, 0.06, 0.04, 90, 60, 150, 0.3, 250, 2500, 1.0, 2.5),
    Archetype("revolver", 0.20, 0.15, 0.08, 0.08, 0.50, 120, 80, 650, 0.5, 3800, 5000, 0.15, 6.0),
    Archetype("installment", 0.30, 0.88, 0.15, 0.82, 0.03, 70, 95, 120, 1.8, 650, 3500, 0.6, 2.0),
    Archetype("transactor", 0.15, 0.85, 0.72, 0.40, 0.06, 650, 160, 300, 3.5, 1900, 9500, 2.5, 1.5),
)

ARCHETYPE_NAMES: tuple[str, ...] = tuple(a.name for a in ARCHETYPES)


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float) -> np.ndarray:
    result: np.ndarray = median * np.exp(sigma * rng.standard_normal(median.shape[0]))
    return result


def _generate_chunk(first_row: int, n_rows: int, seed: int, chunk_index: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, chunk_index])
    shares = np.array([a.share for a in ARCHETYPES])
    archetype = rng.choice(len(ARCHETYPES), size=n_rows, p=shares / shares.sum())

    def param(field: str) -> np.ndarray:
        return np.array([getattr(a, field) for a in ARCHETYPES], dtype=float)[archetype]

    tenure = np.where(rng.random(n_rows) < 0.85, 12, rng.integers(6, 12, size=n_rows))

    def active_months(rate: np.ndarray) -> np.ndarray:
        return rng.binomial(tenure, rate)

    purchase_months = active_months(param("purchase_month_rate"))
    oneoff_months = np.minimum(active_months(param("oneoff_month_rate")), purchase_months)
    installment_months = np.minimum(active_months(param("installment_month_rate")), purchase_months)
    # A month with purchases has at least one purchase type.
    no_type = (purchase_months > 0) & (oneoff_months == 0) & (installment_months == 0)
    installment_months = np.where(no_type, 1, installment_months)
    cash_advance_months = active_months(param("cash_advance_month_rate"))

    oneoff = np.round(oneoff_months * _lognormal(rng, param("oneoff_amount"), 0.8), 2)
    installments = np.round(
        installment_months * _lognormal(rng, param("installment_amount"), 0.6), 2
    )
    purchases = np.round(oneoff + installments, 2)
    cash_advance = np.round(
        cash_advance_months * _lognormal(rng, param("cash_advance_amount"), 0.9), 2
    )
    per_month = param("transactions_per_month")
    purchases_trx = purchase_months + rng.poisson(per_month * purchase_months)
    cash_advance_trx = cash_advance_months + rng.poisson(0.6 * cash_advance_months)

    credit_limit = np.clip(
        np.round(_lognormal(rng, param("credit_limit"), 0.45) / 50) * 50, 300, 30000
    )
    balance = np.round(np.minimum(_lognormal(rng, param("balance"), 0.9), credit_limit * 1.2), 2)
    balance = np.where(rng.random(n_rows) < 0.02, 0.0, balance)
    balance_months = np.where(
        balance > 0, rng.binomial(tenure, np.where(archetype == 0, 0.75, 0.95)), 0
    )
    full_payment_share = rng.beta(param("full_payment_alpha"), param("full_payment_beta"))
    full_payment_share = np.where(rng.random(n_rows) < 0.35, 0.0, full_payment_share)
    payments = np.round(
        (purchases + cash_advance) * rng.uniform(0.7, 1.1, n_rows)
        + balance * rng.uniform(0.05, 0.4, n_rows),
        2,
    )
    minimum_payments = np.round(
        np.maximum(balance, 50.0) * rng.uniform(0.08, 0.35, n_rows) + rng.uniform(1, 50, n_rows),
        2,
    )

    frame = pd.DataFrame(
        {
            "CUST_ID": [f"C{first_row + 10001 + i}" for i in range(n_rows)],
            "BALANCE": balance,
            "BALANCE_FREQUENCY": np.round(balance_months / tenure, 6),
            "PURCHASES": purchases,
            "ONEOFF_PURCHASES": oneoff,
            "INSTALLMENTS_PURCHASES": installments,
            "CASH_ADVANCE": cash_advance,
            "PURCHASES_FREQUENCY": np.round(purchase_months / tenure, 6),
            "ONEOFF_PURCHASES_FREQUENCY": np.round(oneoff_months / tenure, 6),
            "PURCHASES_INSTALLMENTS_FREQUENCY": np.round(installment_months / tenure, 6),
            "CASH_ADVANCE_FREQUENCY": np.round(cash_advance_months / tenure, 6),
            "CASH_ADVANCE_TRX": cash_advance_trx,
            "PURCHASES_TRX": purchases_trx,
            "CREDIT_LIMIT": credit_limit,
            "PAYMENTS": payments,
            "MINIMUM_PAYMENTS": minimum_payments,
            "PRC_FULL_PAYMENT": np.round(np.round(full_payment_share * 12) / 12, 6),
            "TENURE": tenure,
        }
    )
    # Missing values as in the real file: MINIMUM_PAYMENTS ~3.5 %, CREDIT_LIMIT ~0.01 %.
    frame["MINIMUM_PAYMENTS"] = frame["MINIMUM_PAYMENTS"].mask(rng.random(n_rows) < 0.035)
    frame["CREDIT_LIMIT"] = frame["CREDIT_LIMIT"].mask(rng.random(n_rows) < 0.0001)
    frame["archetype"] = np.array(ARCHETYPE_NAMES)[archetype]
    return frame


def iter_customer_chunks(
    n_rows: int, seed: int = 42, chunk_rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """Yield the synthetic customers in chunks (with an ``archetype`` column, the true label)."""
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    for chunk_index, first_row in enumerate(range(0, n_rows, chunk_rows)):
        yield _generate_chunk(first_row, min(chunk_rows, n_rows - first_row), seed, chunk_index)


def generate_customers(n_rows: int, seed: int = 42) -> pd.DataFrame:
    """All synthetic customers in one DataFrame: the CC GENERAL columns plus ``archetype``."""
    chunks = list(iter_customer_chunks(n_rows, seed))
    if not chunks:
        return _generate_chunk(0, 0, seed, 0)
    return pd.concat(chunks, ignore_index=True)


def write_frames(path: str | Path, chunks: Iterable[pd.DataFrame], empty: pd.DataFrame) -> Path:
    """Write ``chunks`` (DataFrames with the same columns) to ``path``: CSV, or Parquet when it
    ends in .parquet. ``empty`` (those columns, no rows) gives the header / schema of a file
    without rows. Atomic: written to a temporary name, then renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = path.with_name(path.name + ".tmp")
    writer: pa_csv.CSVWriter | pa_parquet.ParquetWriter | None = None
    try:
        for chunk in chunks:
            table = pa.Table.from_pandas(chunk, preserve_index=False)
            if writer is None:
                if path.suffix == ".parquet":
                    writer = pa_parquet.ParquetWriter(tmp_path, table.schema)
                else:
                    options = pa_csv.WriteOptions(quoting_style="needed")
                    writer = pa_csv.CSVWriter(tmp_path, table.schema, write_options=options)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # zero rows: still a valid file with the header / schema
        if path.suffix == ".parquet":
            empty.to_parquet(tmp_path, index=False)
        else:
            empty.to_csv(tmp_path, index=False)
    tmp_path.replace(path)  # atomic: readers never see a half-written file
    return path


def write_customers(path: str | Path, n_rows: int, seed: int = 42) -> Path:
    """Write ``n_rows`` synthetic customers to ``path`` (CSV, or Parquet when it ends in .parquet).

    The file holds exactly the CC GENERAL columns; the archetype label is not written.
    """
    columns = list(CC_GENERAL_COLUMNS)
    chunks = (chunk[columns] for chunk in iter_customer_chunks(n_rows, seed))
    return write_frames(path, chunks, _generate_chunk(0, 0, seed, 0)[columns])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="number of customers")
    parser.add_argument("--out", required=True, help="output file (.csv or .parquet)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    args = parser.parse_args(argv)
    path = write_customers(args.out, args.rows, args.seed)
    print(f"wrote {args.rows} customers to {path}")


if __name__ == "__main__":
    main()
