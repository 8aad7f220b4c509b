"""CC GENERAL resampled to any size: real distributions for benchmarks (`make bench DATA=cc`).

Each output row is a row of the source file drawn with replacement, every feature value multiplied
by ``1 + N(0, jitter)`` and clipped to the range the input contract allows:

==========================  ==========================================================
columns                     after the jitter
==========================  ==========================================================
amounts                     >= 0, rounded to 6 decimals (as in the file)
``*_TRX`` counts            >= 0, rounded to whole transactions
``*_FREQUENCY``, PRC_FULL   clipped to [0, 1], rounded to 6 decimals
``TENURE``                  rounded, clipped to [1, 12] months
``PURCHASES``               ``ONEOFF_PURCHASES + INSTALLMENTS_PURCHASES`` of the jittered row
                            when the source row satisfied that identity (to 0.01), else
                            jittered like the other amounts
==========================  ==========================================================

Missing values stay missing (the source's ~3.5 % missing ``MINIMUM_PAYMENTS``). Ids are new and
unique (``C10001``, ``C10002``, ...). Like the generator, rows come in fixed-size chunks, each with
its own random stream derived from the seed, so memory stays bounded and a larger file starts with
the rows of a smaller one made with the same seed.

``month`` gives the same customers (same source rows) with a fresh jitter: month 0 is the file a
single benchmark reads; months 1, 2, ... are what a monthly schedule would receive (each customer
moves a little around its own values; the population keeps the source's distribution).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from customer_segmentation.generator import CHUNK_ROWS, write_frames
from customer_segmentation.schema import CC_GENERAL_COLUMNS, CC_GENERAL_FEATURES, CUSTOMER_ID_COLUMN

AMOUNT_COLUMNS: tuple[str, ...] = (
    "BALANCE",
    "PURCHASES",
    "ONEOFF_PURCHASES",
    "INSTALLMENTS_PURCHASES",
    "CASH_ADVANCE",
    "CREDIT_LIMIT",
    "PAYMENTS",
    "MINIMUM_PAYMENTS",
)
COUNT_COLUMNS: tuple[str, ...] = ("CASH_ADVANCE_TRX", "PURCHASES_TRX")
SHARE_COLUMNS: tuple[str, ...] = (
    "BALANCE_FREQUENCY",
    "PURCHASES_FREQUENCY",
    "ONEOFF_PURCHASES_FREQUENCY",
    "PURCHASES_INSTALLMENTS_FREQUENCY",
    "CASH_ADVANCE_FREQUENCY",
    "PRC_FULL_PAYMENT",
)
TENURE_RANGE = (1, 12)
#: PURCHASES is recomputed from its parts only where the source row holds the identity this close.
PURCHASES_TOLERANCE = 0.01
DEFAULT_JITTER = 0.05


def read_source(path: str | Path) -> pd.DataFrame:
    """The CC GENERAL file as float features (the id column is dropped: output ids are new)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"CC GENERAL not found at {path}: pass its path (make bench DATA=cc CC_GENERAL=...)"
        )
    frame = pd.read_csv(path)
    missing = [c for c in CC_GENERAL_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path} is not in the CC GENERAL format: no column(s) {missing}")
    features = frame[list(CC_GENERAL_FEATURES)].astype("float64")
    if features.empty:
        raise ValueError(f"{path} has no rows to resample")
    return features.reset_index(drop=True)


def jitter_rows(
    source: pd.DataFrame, rows: np.ndarray, rng: np.random.Generator, jitter: float
) -> pd.DataFrame:
    """Source rows ``rows`` with every feature jittered x (1 + N(0, jitter)) and clipped (see
    the module docstring). Pure given ``rng``'s state."""
    if jitter < 0:
        raise ValueError(f"jitter must be >= 0, got {jitter}")
    picked = source.iloc[rows].reset_index(drop=True)
    n = len(picked)
    # one draw per row (row-major), so a chunk's first rows do not depend on its length
    factors = 1.0 + jitter * rng.standard_normal((n, len(CC_GENERAL_FEATURES)))
    out: dict[str, np.ndarray] = {}
    for j, column in enumerate(CC_GENERAL_FEATURES):
        out[column] = picked[column].to_numpy() * factors[:, j]
    for column in AMOUNT_COLUMNS:
        out[column] = np.round(np.maximum(out[column], 0.0), 6)
    for column in SHARE_COLUMNS:
        out[column] = np.round(np.clip(out[column], 0.0, 1.0), 6)
    source_parts = picked["ONEOFF_PURCHASES"] + picked["INSTALLMENTS_PURCHASES"]
    holds = (picked["PURCHASES"] - source_parts).abs().to_numpy() <= PURCHASES_TOLERANCE
    parts = np.round(out["ONEOFF_PURCHASES"] + out["INSTALLMENTS_PURCHASES"], 6)
    out["PURCHASES"] = np.where(holds, parts, out["PURCHASES"])
    frame = pd.DataFrame(out, columns=list(CC_GENERAL_FEATURES))
    # whole numbers as in the file ("2", not "2.0"); nullable in case the source has gaps
    for column in COUNT_COLUMNS:
        frame[column] = np.round(np.maximum(frame[column], 0.0)).astype("Int64")
    frame["TENURE"] = np.clip(np.round(frame["TENURE"]), *TENURE_RANGE).astype("Int64")
    return frame


def iter_resampled_chunks(
    source: pd.DataFrame,
    n_rows: int,
    seed: int = 42,
    month: int = 0,
    jitter: float = DEFAULT_JITTER,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[pd.DataFrame]:
    """Yield ``n_rows`` resampled customers (CC GENERAL columns) in chunks."""
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    if month < 0:
        raise ValueError(f"month must be >= 0, got {month}")
    for chunk_index, first_row in enumerate(range(0, n_rows, chunk_rows)):
        size = min(chunk_rows, n_rows - first_row)
        # Which source rows: depends on (seed, chunk) only, so every month has the same customers.
        rows = np.random.default_rng([seed, chunk_index]).integers(0, len(source), size=size)
        noise = np.random.default_rng([seed, chunk_index, month])
        values = jitter_rows(source, rows, noise, jitter)
        ids = [f"C{first_row + 10001 + i}" for i in range(size)]
        values.insert(0, CUSTOMER_ID_COLUMN, ids)
        yield values


def write_resampled(
    path: str | Path,
    source: pd.DataFrame,
    n_rows: int,
    seed: int = 42,
    month: int = 0,
    jitter: float = DEFAULT_JITTER,
) -> Path:
    """Write ``n_rows`` resampled customers to ``path`` (CSV, or Parquet when it ends in .parquet);
    atomic: readers never see a half-written file."""
    empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in CC_GENERAL_COLUMNS})
    empty[CUSTOMER_ID_COLUMN] = empty[CUSTOMER_ID_COLUMN].astype("object")
    chunks = iter_resampled_chunks(source, n_rows, seed, month, jitter)
    return write_frames(path, chunks, empty)
