"""Deterministic generator of a synthetic card transaction ledger (accounts + transactions).

The ledger follows the project's ledger contract:

* ``accounts(customer_id, credit_limit, balance, opened_at)``
* ``transactions(customer_id, transaction_ts, amount, category, transaction_type)`` with
  ``transaction_type`` in ``purchase_oneoff | purchase_installment | cash_advance | payment``.

Customers are drawn from the same four behavioural archetypes as the CC GENERAL generator
(:mod:`customer_segmentation.generator`): low activity, revolvers, installment users, transactors.
Each archetype has its own monthly activity rates, category mix and ticket sizes. Activity covers
the 12 months before ``as_of`` (or fewer when the account is younger); transaction counts follow a
seasonal profile (more in November and December, fewer in January and February). All amounts are
positive; the type says what they are.

Everything depends only on ``(n_customers, seed, as_of)``; customers are generated in chunks, each
with its own random stream, so memory stays bounded and a larger ledger starts with the same
customers as a smaller one made with the same seed.

Command line::

    generate-ledger --customers 100000 --out-dir data/ledger            # CSV
    generate-ledger --customers 1000000 --out-dir data/ledger --parquet
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pa_parquet

CATEGORIES: tuple[str, ...] = (
    "groceries",
    "dining",
    "travel",
    "electronics",
    "fashion",
    "fuel",
    "entertainment",
    "health",
    "home",
    "utilities",
)

TRANSACTION_TYPES: tuple[str, ...] = (
    "purchase_oneoff",
    "purchase_installment",
    "cash_advance",
    "payment",
)

#: Relative number of transactions per calendar month (January .. December).
SEASONALITY = np.array([0.8, 0.85, 0.95, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0, 1.0, 1.2, 1.4])

CHUNK_CUSTOMERS = 50_000


@dataclass(frozen=True)
class LedgerArchetype:
    """Monthly behaviour of one archetype (rates are probabilities per month)."""

    name: str
    share: float
    purchase_month_rate: float
    purchases_per_active_month: float
    installment_share: float
    ticket_size: float
    cash_advance_month_rate: float
    cash_advance_size: float
    credit_limit: float
    balance: float
    category_weights: tuple[float, ...]


LEDGER_ARCHETYPES: tuple[LedgerArchetype, ...] = (
    LedgerArchetype(
        "low_activity", 0.35, 0.15, 1.0, 0.3, 45, 0.03, 150, 2500, 250,
        (5, 3, 0.5, 0.5, 1, 4, 1, 2, 1, 3),
    ),
    LedgerArchetype(
        "revolver", 0.20, 0.2, 1.2, 0.3, 60, 0.5, 600, 5000, 3800,
        (4, 2, 0.5, 0.5, 1, 3, 1, 1, 1, 4),
    ),
    LedgerArchetype(
        "installment", 0.30, 0.9, 3.0, 0.8, 40, 0.03, 120, 3500, 650,
        (6, 2, 0.5, 2, 2, 2, 1, 1, 3, 2),
    ),
    LedgerArchetype(
        "transactor", 0.15, 0.85, 5.0, 0.25, 140, 0.05, 300, 9500, 1900,
        (2, 4, 4, 2, 3, 1, 3, 1, 1, 1),
    ),
)  # fmt: skip

ARCHETYPE_NAMES: tuple[str, ...] = tuple(a.name for a in LEDGER_ARCHETYPES)


def _month_starts(as_of: date) -> list[date]:
    """First day of each of the 12 months before ``as_of``'s month, oldest first."""
    starts = []
    year, month = as_of.year, as_of.month
    for _ in range(12):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        starts.append(date(year, month, 1))
    return starts[::-1]


def _ledger_chunk(
    first_customer: int, n_customers: int, seed: int, chunk_index: int, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng([seed, 7, chunk_index])
    shares = np.array([a.share for a in LEDGER_ARCHETYPES])
    archetype = rng.choice(len(LEDGER_ARCHETYPES), size=n_customers, p=shares / shares.sum())

    def param(field: str) -> np.ndarray:
        return np.array([getattr(a, field) for a in LEDGER_ARCHETYPES], dtype=float)[archetype]

    ids = np.array([f"L{first_customer + 10001 + i}" for i in range(n_customers)])
    # account age in months: most accounts are older than a year
    age_months = np.where(
        rng.random(n_customers) < 0.85,
        rng.integers(12, 96, n_customers),
        rng.integers(1, 12, n_customers),
    )
    months = _month_starts(as_of)
    month_start_ts = np.array([np.datetime64(m, "s") for m in months])
    month_len_s = np.array(
        [
            (
                np.datetime64(months[i + 1] if i < 11 else as_of.replace(day=1), "s")
                - month_start_ts[i]
            )
            / np.timedelta64(1, "s")
            for i in range(12)
        ]
    )
    season = SEASONALITY[[m.month - 1 for m in months]]
    # month j (0 = oldest) is active when the account existed then
    active = (11 - np.arange(12))[None, :] < age_months[:, None]

    def monthly_counts(rate: np.ndarray, per_month: np.ndarray) -> np.ndarray:
        occurs = rng.random((n_customers, 12)) < rate[:, None] * np.minimum(season[None, :], 1.25)
        counts = 1 + rng.poisson((per_month[:, None] - 1).clip(0) * season[None, :])
        return np.where(occurs & active, counts, 0)

    purchase_counts = monthly_counts(
        param("purchase_month_rate"), param("purchases_per_active_month")
    )
    cash_counts = monthly_counts(param("cash_advance_month_rate"), np.full(n_customers, 1.3))

    frames = []
    for kind, counts in (("purchase", purchase_counts), ("cash_advance", cash_counts)):
        customer_idx, month_idx = np.nonzero(counts)
        reps = counts[customer_idx, month_idx]
        customer_idx = np.repeat(customer_idx, reps)
        month_idx = np.repeat(month_idx, reps)
        n = customer_idx.shape[0]
        offsets = (rng.random(n) * month_len_s[month_idx]).astype("int64")
        ts = month_start_ts[month_idx] + offsets.astype("timedelta64[s]")
        if kind == "purchase":
            weights = np.array([a.category_weights for a in LEDGER_ARCHETYPES], dtype=float)
            weights = weights / weights.sum(axis=1, keepdims=True)
            cumulative = weights.cumsum(axis=1)[archetype[customer_idx]]
            category_idx = (rng.random(n)[:, None] > cumulative).sum(axis=1).clip(0, 9)
            category = np.array(CATEGORIES)[category_idx]
            installment = rng.random(n) < param("installment_share")[customer_idx]
            ttype = np.where(installment, "purchase_installment", "purchase_oneoff")
            size = param("ticket_size")[customer_idx] * np.where(installment, 1.5, 1.0)
            # travel and electronics tickets are larger
            size = size * np.where(np.isin(category_idx, [2, 3]), 3.0, 1.0)
            amount = np.round(size * np.exp(0.7 * rng.standard_normal(n)), 2)
        else:
            category = np.full(n, "cash")
            ttype = np.full(n, "cash_advance")
            amount = np.round(
                param("cash_advance_size")[customer_idx] * np.exp(0.8 * rng.standard_normal(n)), 2
            )
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": ids[customer_idx],
                    "transaction_ts": ts,
                    "amount": np.maximum(amount, 0.01),
                    "category": category,
                    "transaction_type": ttype,
                }
            )
        )
    spend = pd.concat(frames, ignore_index=True)
    # one payment in every active month that had spending, covering 60-110 % of it
    monthly = spend.assign(month=spend["transaction_ts"].to_numpy().astype("datetime64[M]"))
    monthly = monthly.groupby(["customer_id", "month"], as_index=False)["amount"].sum()
    n_pay = len(monthly)
    pay_offset = np.timedelta64(27 * 86400, "s") + rng.integers(0, 86400, n_pay).astype(
        "timedelta64[s]"
    )
    pay_ts = monthly["month"].to_numpy().astype("datetime64[s]") + pay_offset
    payments = pd.DataFrame(
        {
            "customer_id": monthly["customer_id"].to_numpy(),
            "transaction_ts": pay_ts,
            "amount": np.round(monthly["amount"].to_numpy() * rng.uniform(0.6, 1.1, n_pay), 2),
            "category": "payment",
            "transaction_type": "payment",
        }
    )
    transactions = pd.concat([spend, payments], ignore_index=True)
    transactions = transactions[transactions["transaction_ts"] < np.datetime64(as_of, "s")]
    transactions = transactions.sort_values(["customer_id", "transaction_ts"], kind="stable")

    limit_draw = param("credit_limit") * np.exp(0.45 * rng.standard_normal(n_customers))
    credit_limit = np.clip(np.round(limit_draw / 50) * 50, 300, 30000)
    balance_draw = param("balance") * np.exp(0.9 * rng.standard_normal(n_customers))
    balance = np.round(np.minimum(balance_draw, credit_limit * 1.2), 2)
    as_of_ts = np.datetime64(as_of, "D")
    opened_at = as_of_ts - (age_months * 30 + rng.integers(0, 30, n_customers)).astype(
        "timedelta64[D]"
    )
    accounts = pd.DataFrame(
        {
            "customer_id": ids,
            "credit_limit": credit_limit,
            "balance": balance,
            "opened_at": pd.Series(opened_at).dt.date,
            "archetype": np.array(ARCHETYPE_NAMES)[archetype],
        }
    )
    return accounts, transactions.reset_index(drop=True)


def iter_ledger_chunks(
    n_customers: int, seed: int = 42, as_of: date = date(2026, 11, 1)
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Yield (accounts, transactions) per chunk of customers; accounts carry the true archetype."""
    if n_customers < 0:
        raise ValueError(f"n_customers must be >= 0, got {n_customers}")
    for chunk_index, first in enumerate(range(0, n_customers, CHUNK_CUSTOMERS)):
        size = min(CHUNK_CUSTOMERS, n_customers - first)
        yield _ledger_chunk(first, size, seed, chunk_index, as_of)


def generate_ledger(
    n_customers: int, seed: int = 42, as_of: date = date(2026, 11, 1)
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The whole ledger in memory: (accounts with ``archetype``, transactions)."""
    chunks = list(iter_ledger_chunks(n_customers, seed, as_of))
    if not chunks:
        chunks = [_ledger_chunk(0, 0, seed, 0, as_of)]
    accounts = pd.concat([c[0] for c in chunks], ignore_index=True)
    transactions = pd.concat([c[1] for c in chunks], ignore_index=True)
    return accounts, transactions


ACCOUNT_COLUMNS = ["customer_id", "credit_limit", "balance", "opened_at"]
TRANSACTION_COLUMNS = ["customer_id", "transaction_ts", "amount", "category", "transaction_type"]


def write_ledger(
    out_dir: str | Path,
    n_customers: int,
    seed: int = 42,
    as_of: date = date(2026, 11, 1),
    parquet: bool = False,
) -> tuple[Path, Path]:
    """Write ``accounts`` and ``transactions`` files (CSV or Parquet) into ``out_dir``.

    Files are written under a temporary name and renamed when complete.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    suffix = ".parquet" if parquet else ".csv"
    paths = {name: out / f"{name}{suffix}" for name in ("accounts", "transactions")}
    columns = {"accounts": ACCOUNT_COLUMNS, "transactions": TRANSACTION_COLUMNS}
    writers: dict[str, pa_csv.CSVWriter | pa_parquet.ParquetWriter] = {}
    chunks = (
        iter_ledger_chunks(n_customers, seed, as_of)
        if n_customers
        else iter([_ledger_chunk(0, 0, seed, 0, as_of)])
    )
    try:
        for accounts, transactions in chunks:
            for name, frame in (("accounts", accounts), ("transactions", transactions)):
                table = pa.Table.from_pandas(frame[columns[name]], preserve_index=False)
                if name not in writers:
                    tmp = paths[name].with_name(paths[name].name + ".tmp")
                    writers[name] = (
                        pa_parquet.ParquetWriter(tmp, table.schema)
                        if parquet
                        else pa_csv.CSVWriter(
                            tmp,
                            table.schema,
                            write_options=pa_csv.WriteOptions(quoting_style="needed"),
                        )
                    )
                writers[name].write_table(table)
    finally:
        for writer in writers.values():
            writer.close()
    for path in paths.values():
        path.with_name(path.name + ".tmp").replace(path)
    return paths["accounts"], paths["transactions"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, required=True, help="number of customers")
    parser.add_argument("--out-dir", required=True, help="folder for accounts.* and transactions.*")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--as-of", default="2026-11-01", help="ledger end date (exclusive)")
    parser.add_argument("--parquet", action="store_true", help="write Parquet instead of CSV")
    args = parser.parse_args(argv)
    accounts, transactions = write_ledger(
        args.out_dir, args.customers, args.seed, date.fromisoformat(args.as_of), args.parquet
    )
    print(f"wrote {accounts} and {transactions}")


if __name__ == "__main__":
    main()
