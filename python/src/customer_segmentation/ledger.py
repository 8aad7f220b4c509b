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

A second mode, ``retail`` (:func:`generate_retail_ledger`), looks like a retailer's basket
lines instead: one ``transactions`` file (no accounts file) with an ``order_id`` per basket,
several lines per basket, a department per line, ``purchase`` and ``refund`` lines (and a few
reversals: negative ``purchase`` lines), many one-time buyers, customers who lapsed before the
last 12 months and a history longer than the 12-month window.

Command line::

    generate-ledger --customers 100000 --out-dir data/ledger            # CSV
    generate-ledger --customers 1000000 --out-dir data/ledger --parquet
    generate-ledger --mode retail --customers 3000 --out-dir data/retail
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


# --- retail mode --------------------------------------------------------------------------------

DEPARTMENTS: tuple[str, ...] = (
    "grocery",
    "produce",
    "dairy",
    "bakery",
    "meat",
    "frozen",
    "beverages",
    "household",
    "personal_care",
    "deli",
)


@dataclass(frozen=True)
class RetailArchetype:
    """Basket behaviour of one kind of retail customer (rates per month of their active span)."""

    name: str
    share: float
    baskets_per_month: float
    lines_per_basket: float
    line_value: float
    department_weights: tuple[float, ...]


RETAIL_ARCHETYPES: tuple[RetailArchetype, ...] = (
    RetailArchetype("one_time", 0.45, 0.0, 3.0, 6.0, (4, 3, 2, 2, 1, 1, 2, 1, 1, 1)),
    RetailArchetype("lapsed", 0.15, 5.0, 3.0, 5.0, (4, 3, 3, 2, 2, 1, 2, 1, 1, 1)),
    RetailArchetype("loyal", 0.15, 2.5, 3.0, 4.0, (5, 4, 3, 3, 2, 1, 1, 0.5, 0.5, 1)),
    RetailArchetype("big_basket", 0.15, 0.4, 14.0, 9.0, (3, 2, 2, 1, 3, 3, 3, 3, 2, 1)),
    RetailArchetype("explorer", 0.10, 1.0, 5.0, 7.0, (1, 1, 1, 1, 1, 1, 1, 1, 1, 1)),
)  # fmt: skip

RETAIL_ARCHETYPE_NAMES: tuple[str, ...] = tuple(a.name for a in RETAIL_ARCHETYPES)
RETAIL_TRANSACTION_COLUMNS = [
    "customer_id",
    "order_id",
    "transaction_ts",
    "amount",
    "category",
    "transaction_type",
]
#: Share of baskets with a refund line a few days later, and of purchase lines reversed.
REFUND_RATE = 0.04
REVERSAL_RATE = 0.01


def generate_retail_ledger(
    n_customers: int, seed: int = 42, as_of: date = date(2026, 11, 1), months: int = 24
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A retailer's basket lines over ``months`` months before ``as_of``: (customers with their
    true ``archetype``, transactions with ``RETAIL_TRANSACTION_COLUMNS``).

    one_time customers buy once at a random day of the whole history; lapsed customers buy
    regularly but stop 3 to 15 months before ``as_of``; loyal customers buy small baskets often; big
    basket customers buy rarely but many lines; explorers spread over every department. Every
    customer has at least one basket. Refunds repay one line of a basket 1-20 days later (same
    order id, positive amount, type ``refund``); reversals are negative ``purchase`` lines.
    """
    if n_customers < 0:
        raise ValueError(f"n_customers must be >= 0, got {n_customers}")
    if months < 13:
        raise ValueError(f"months must be at least 13 (longer than the window), got {months}")
    rng = np.random.default_rng([seed, 11])
    shares = np.array([a.share for a in RETAIL_ARCHETYPES])
    kind = rng.choice(len(RETAIL_ARCHETYPES), size=n_customers, p=shares / shares.sum())

    def param(field: str) -> np.ndarray:
        return np.array([getattr(a, field) for a in RETAIL_ARCHETYPES], dtype=float)[kind]

    ids = np.array([f"R{100001 + i}" for i in range(n_customers)])
    end = np.datetime64(as_of, "s")
    span_s = int(months * 30.44 * 86400)
    start = end - np.timedelta64(span_s, "s")
    # each customer's active span [first, last) in seconds after `start`
    first = rng.uniform(0, 0.8, n_customers) * span_s
    last = np.full(n_customers, float(span_s))
    # lapsed customers stop between 15 and 3 months before as_of (some before the window)
    lapsed = kind == RETAIL_ARCHETYPE_NAMES.index("lapsed")
    n_lapsed = int(lapsed.sum())
    first[lapsed] = rng.uniform(0, 0.3, n_lapsed) * (span_s - 15 * 30.44 * 86400)
    last[lapsed] = span_s - rng.uniform(3, 15, n_lapsed) * 30.44 * 86400
    active_months = (last - first) / (30.44 * 86400)
    n_baskets = np.maximum(1, rng.poisson(param("baskets_per_month") * active_months))
    n_baskets[kind == RETAIL_ARCHETYPE_NAMES.index("one_time")] = 1
    owner = np.repeat(np.arange(n_customers), n_baskets)
    n_total = owner.shape[0]
    basket_s = first[owner] + rng.random(n_total) * (last[owner] - first[owner])
    # shop hours 08:00-21:00
    basket_s = np.floor(basket_s / 86400) * 86400 + rng.integers(8 * 3600, 21 * 3600, n_total)
    basket_s = np.minimum(basket_s, span_s - 1)
    order_ids = np.array([f"B{i + 1:08d}" for i in range(n_total)])
    n_lines = 1 + rng.poisson(param("lines_per_basket")[owner] - 1)
    line_basket = np.repeat(np.arange(n_total), n_lines)
    line_owner = owner[line_basket]
    n_line_total = line_basket.shape[0]
    weights = np.array([a.department_weights for a in RETAIL_ARCHETYPES], dtype=float)
    cumulative = (weights / weights.sum(axis=1, keepdims=True)).cumsum(axis=1)[kind[line_owner]]
    department = (rng.random(n_line_total)[:, None] > cumulative).sum(axis=1).clip(0, 9)
    amount = np.round(
        param("line_value")[line_owner] * np.exp(0.6 * rng.standard_normal(n_line_total)), 2
    )
    amount = np.maximum(amount, 0.05)
    ts = start + np.round(basket_s[line_basket]).astype("int64").astype("timedelta64[s]")
    lines = pd.DataFrame(
        {
            "customer_id": ids[line_owner],
            "order_id": order_ids[line_basket],
            "transaction_ts": ts,
            "amount": amount,
            "category": np.array(DEPARTMENTS)[department],
            "transaction_type": "purchase",
        }
    )
    reversed_line = rng.random(n_line_total) < REVERSAL_RATE
    reversals = lines[reversed_line].assign(amount=-lines["amount"][reversed_line])
    # one refund for REFUND_RATE of the baskets: the basket's first line, 1-20 days later
    first_line = np.flatnonzero(np.r_[True, line_basket[1:] != line_basket[:-1]])
    refunded = first_line[rng.random(first_line.shape[0]) < REFUND_RATE]
    refunds = lines.iloc[refunded].copy()
    refunds["transaction_ts"] = refunds["transaction_ts"] + pd.to_timedelta(
        rng.integers(1, 21, len(refunds)), unit="D"
    )
    refunds["transaction_type"] = "refund"
    transactions = pd.concat([lines, reversals, refunds], ignore_index=True)
    transactions = transactions[transactions["transaction_ts"] < end]
    transactions = transactions.sort_values(
        ["transaction_ts", "order_id"], kind="stable"
    ).reset_index(drop=True)
    customers = pd.DataFrame(
        {"customer_id": ids, "archetype": np.array(RETAIL_ARCHETYPE_NAMES)[kind]}
    )
    return customers, transactions


def write_retail_ledger(
    out_dir: str | Path,
    n_customers: int,
    seed: int = 42,
    as_of: date = date(2026, 11, 1),
    months: int = 24,
) -> Path:
    """Write the retail ledger's ``transactions.csv`` (there is no accounts file) into
    ``out_dir``, under a temporary name renamed when complete."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _, transactions = generate_retail_ledger(n_customers, seed, as_of, months)
    path = out / "transactions.csv"
    tmp = path.with_name(path.name + ".tmp")
    frame = transactions[RETAIL_TRANSACTION_COLUMNS].assign(
        transaction_ts=transactions["transaction_ts"].dt.strftime("%Y-%m-%d %H:%M:%S")
    )
    frame.to_csv(tmp, index=False)
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, required=True, help="number of customers")
    parser.add_argument("--out-dir", required=True, help="folder for accounts.* and transactions.*")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--as-of", default="2026-11-01", help="ledger end date (exclusive)")
    parser.add_argument("--parquet", action="store_true", help="write Parquet instead of CSV")
    parser.add_argument(
        "--mode",
        choices=["card", "retail"],
        default="card",
        help="card: accounts + card transactions (default); retail: basket lines, no accounts",
    )
    parser.add_argument(
        "--months", type=int, default=24, help="retail mode: months of history (default 24)"
    )
    args = parser.parse_args(argv)
    as_of = date.fromisoformat(args.as_of)
    if args.mode == "retail":
        if args.parquet:
            parser.error("--parquet is not available with --mode retail")
        path = write_retail_ledger(args.out_dir, args.customers, args.seed, as_of, args.months)
        print(f"wrote {path} (no accounts file)")
        return
    accounts, transactions = write_ledger(
        args.out_dir, args.customers, args.seed, as_of, args.parquet
    )
    print(f"wrote {accounts} and {transactions}")


if __name__ == "__main__":
    main()
