"""Synthetic CC GENERAL customers from k well-separated archetypes, for any k from 1 to 16.

The realistic generator (:mod:`customer_segmentation.generator`) has four overlapping archetypes.
To test that the pipeline recovers *known* segments for every k, this module draws customers from
k archetypes that differ strongly in several behaviours at once.

Each archetype is a codeword of the Hamming(7,4) code: seven binary behaviour switches (one-off
purchases, installment purchases, cash advance, balance, credit limit, full payment, tenure),
each low or high. Any two codewords differ in at least 3 switches, and each switch moves several
of the 17 columns, so archetypes are far apart in standardized space. Within an archetype the
amounts vary by about +-20 % and monthly activity is binomial. The columns keep the invariants of
the real file (``PURCHASES = ONEOFF_PURCHASES + INSTALLMENTS_PURCHASES``, frequencies in [0, 1],
tenure 6..12 months) and have no missing values.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from customer_segmentation.schema import CC_GENERAL_COLUMNS

#: The seven behaviour switches of an archetype, in codeword bit order.
SWITCHES: tuple[str, ...] = (
    "oneoff",
    "installment",
    "cash_advance",
    "balance",
    "credit_limit",
    "full_payment",
    "tenure",
)

# (low, high) level of each switch.
_MONTH_RATE = {"oneoff": (0.05, 0.9), "installment": (0.05, 0.9), "cash_advance": (0.03, 0.85)}
_AMOUNT = {"oneoff": (40.0, 900.0), "installment": (30.0, 400.0), "cash_advance": (80.0, 1800.0)}
_BALANCE = (150.0, 6000.0)
_CREDIT_LIMIT = (1500.0, 14000.0)
_FULL_PAYMENT = (0.0, 0.9)
_TENURE = (7, 12)


def _hamming_codewords() -> list[tuple[int, ...]]:
    """The 16 codewords of Hamming(7,4) (minimum distance 3), ordered by data bits."""
    words: list[tuple[int, ...]] = []
    for d1, d2, d3, d4 in itertools.product((0, 1), repeat=4):
        p1, p2, p3 = (d1 ^ d2 ^ d4), (d1 ^ d3 ^ d4), (d2 ^ d3 ^ d4)
        words.append((p1, p2, d1, p3, d2, d3, d4))
    return words


MAX_ARCHETYPES = 16


def archetype_codes(n_archetypes: int) -> np.ndarray:
    """The first ``n_archetypes`` codewords as an (n_archetypes, 7) 0/1 array."""
    if isinstance(n_archetypes, bool) or not 1 <= int(n_archetypes) <= MAX_ARCHETYPES:
        raise ValueError(f"n_archetypes must be 1..{MAX_ARCHETYPES}, got {n_archetypes!r}")
    return np.array(_hamming_codewords()[: int(n_archetypes)], dtype=int)


def generate_separated_customers(n_rows: int, n_archetypes: int, seed: int = 0) -> pd.DataFrame:
    """``n_rows`` customers in the CC GENERAL columns plus ``archetype`` (0..n_archetypes-1).

    Archetypes get equal shares (customer i has archetype i mod n_archetypes); the output
    depends only on the arguments.
    """
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    codes = archetype_codes(n_archetypes)
    rng = np.random.default_rng([seed, n_archetypes, 7])
    archetype = np.arange(n_rows) % n_archetypes
    bits = {name: codes[archetype, j] for j, name in enumerate(SWITCHES)}

    def level(pair: tuple[float, float], switch: str) -> np.ndarray:
        return np.where(bits[switch] == 1, pair[1], pair[0])

    def jitter(values: np.ndarray) -> np.ndarray:
        return values * rng.uniform(0.8, 1.2, n_rows)

    tenure = np.where(bits["tenure"] == 1, 12, rng.integers(6, 9, n_rows))
    months = {
        switch: rng.binomial(tenure, level(_MONTH_RATE[switch], switch)) for switch in _MONTH_RATE
    }
    purchase_months = np.minimum(months["oneoff"] + months["installment"], tenure)
    oneoff = np.round(months["oneoff"] * jitter(level(_AMOUNT["oneoff"], "oneoff")), 2)
    installments = np.round(
        months["installment"] * jitter(level(_AMOUNT["installment"], "installment")), 2
    )
    cash_advance = np.round(
        months["cash_advance"] * jitter(level(_AMOUNT["cash_advance"], "cash_advance")), 2
    )
    credit_limit = np.round(jitter(level(_CREDIT_LIMIT, "credit_limit")) / 50) * 50
    balance = np.round(jitter(level(_BALANCE, "balance")), 2)
    full_payment = np.clip(level(_FULL_PAYMENT, "full_payment") + rng.normal(0, 0.05, n_rows), 0, 1)
    purchases = np.round(oneoff + installments, 2)
    frame = pd.DataFrame(
        {
            "CUST_ID": [f"S{i + 1:07d}" for i in range(n_rows)],
            "BALANCE": balance,
            "BALANCE_FREQUENCY": np.round(rng.binomial(tenure, 0.9) / tenure, 6),
            "PURCHASES": purchases,
            "ONEOFF_PURCHASES": oneoff,
            "INSTALLMENTS_PURCHASES": installments,
            "CASH_ADVANCE": cash_advance,
            "PURCHASES_FREQUENCY": np.round(purchase_months / tenure, 6),
            "ONEOFF_PURCHASES_FREQUENCY": np.round(months["oneoff"] / tenure, 6),
            "PURCHASES_INSTALLMENTS_FREQUENCY": np.round(months["installment"] / tenure, 6),
            "CASH_ADVANCE_FREQUENCY": np.round(months["cash_advance"] / tenure, 6),
            "CASH_ADVANCE_TRX": months["cash_advance"] + rng.poisson(months["cash_advance"]),
            "PURCHASES_TRX": purchase_months + rng.poisson(2 * purchase_months),
            "CREDIT_LIMIT": credit_limit,
            "PAYMENTS": np.round(
                (purchases + cash_advance) * rng.uniform(0.8, 1.0, n_rows) + 0.1 * balance, 2
            ),
            "MINIMUM_PAYMENTS": np.round(0.1 * balance * rng.uniform(0.8, 1.2, n_rows) + 20, 2),
            "PRC_FULL_PAYMENT": np.round(np.round(full_payment * 12) / 12, 6),
            "TENURE": tenure,
        },
        columns=list(CC_GENERAL_COLUMNS),
    )
    frame["archetype"] = archetype
    return frame
