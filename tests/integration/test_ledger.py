"""The transaction-ledger input: aggregates derived in SQL equal an independent pandas computation
on the same generated ledger, and the ledger segments end to end."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy
from sklearn.metrics import adjusted_rand_score

from customer_segmentation.ledger import generate_ledger, write_ledger

AS_OF = date(2026, 11, 1)
N_CUSTOMERS = 3000


@pytest.fixture(scope="module")
def ledger_files(tmp_path_factory) -> tuple[Path, Path]:
    return write_ledger(tmp_path_factory.mktemp("ledger"), N_CUSTOMERS, seed=5, as_of=AS_OF)


@pytest.fixture(scope="module")
def ledger_build(dbt_runner, ledger_files):
    accounts, transactions = ledger_files
    variables = {
        "input_format": "ledger",
        "feature_set": "transactions",
        "transactions_csv": str(transactions),
        "accounts_csv": str(accounts),
        "ledger_as_of": AS_OF.isoformat(),
    }
    return dbt_runner(["build"], variables)


def pandas_ledger_features(accounts: pd.DataFrame, tx: pd.DataFrame) -> pd.DataFrame:
    """The documented definitions, computed with pandas."""
    start, end = pd.Timestamp("2025-11-01"), pd.Timestamp(AS_OF)
    tx = tx[(tx["transaction_ts"] >= start) & (tx["transaction_ts"] < end)].copy()
    tx["month"] = tx["transaction_ts"].dt.to_period("M")
    purchase = tx["transaction_type"].isin(["purchase_oneoff", "purchase_installment"])
    by = tx.assign(
        purchase_amount=tx["amount"].where(purchase, 0.0),
        oneoff=tx["amount"].where(tx["transaction_type"] == "purchase_oneoff", 0.0),
        installment=tx["amount"].where(tx["transaction_type"] == "purchase_installment", 0.0),
        cash=tx["amount"].where(tx["transaction_type"] == "cash_advance", 0.0),
        payment=tx["amount"].where(tx["transaction_type"] == "payment", 0.0),
        is_purchase=purchase.astype(int),
        is_cash=(tx["transaction_type"] == "cash_advance").astype(int),
    ).groupby("customer_id")
    out = pd.DataFrame(
        {
            "purchases": by["purchase_amount"].sum(),
            "oneoff_purchases": by["oneoff"].sum(),
            "installments_purchases": by["installment"].sum(),
            "cash_advance": by["cash"].sum(),
            "payments": by["payment"].sum(),
            "purchases_trx": by["is_purchase"].sum(),
            "cash_advance_trx": by["is_cash"].sum(),
        }
    )
    months = lambda mask: tx[mask].groupby("customer_id")["month"].nunique()  # noqa: E731
    out["purchase_months"] = months(purchase)
    out["cash_months"] = months(tx["transaction_type"] == "cash_advance")
    last = tx[purchase].groupby("customer_id")["transaction_ts"].max()
    out["recency_days"] = (end.normalize() - last.dt.normalize()).dt.days
    spend = tx[purchase].groupby(["customer_id", "category"])["amount"].sum()
    out["n_distinct_categories"] = spend.groupby(level=0).size()
    out["diversity_score"] = spend.groupby(level=0).apply(lambda s: entropy(s.to_numpy()))
    accounts = accounts.set_index("customer_id")
    out = out.reindex(accounts.index.union(out.index))
    out = out.fillna({c: 0 for c in out.columns if c != "recency_days"})
    out["recency_days"] = out["recency_days"].fillna(365)
    opened = pd.to_datetime(accounts["opened_at"]).reindex(out.index)
    months_open = (AS_OF.year * 12 + AS_OF.month) - (opened.dt.year * 12 + opened.dt.month)
    out["tenure"] = months_open.clip(1, 12)
    out["purchases_frequency"] = (out["purchase_months"] / out["tenure"]).clip(upper=1)
    out["cash_advance_frequency"] = (out["cash_months"] / out["tenure"]).clip(upper=1)
    out["credit_limit"] = accounts["credit_limit"].reindex(out.index)
    # RFM scores: ceil(5 * cume_dist); cume_dist = share of customers with a value <= own value
    for name, column, ascending in [
        ("recency_score", "recency_days", False),
        ("frequency_score", "purchases_trx", True),
        ("monetary_score", "purchases", True),
    ]:
        values = out[column] if ascending else -out[column]
        out[name] = np.ceil(5 * values.rank(method="max", pct=True))
    return out


def test_ledger_aggregates_match_pandas(ledger_build):
    accounts, transactions = generate_ledger(N_CUSTOMERS, seed=5, as_of=AS_OF)
    expected = pandas_ledger_features(accounts, transactions)
    ours = ledger_build.query("select * from intermediate.int_ledger_customer_features").set_index(
        "customer_id"
    )
    assert set(ours.index) == set(expected.index)
    ours = ours.loc[expected.index]
    for column in [
        "purchases", "oneoff_purchases", "installments_purchases", "cash_advance", "payments",
        "purchases_trx", "cash_advance_trx", "tenure", "purchases_frequency",
        "cash_advance_frequency", "recency_days", "n_distinct_categories", "diversity_score",
        "credit_limit", "recency_score", "frequency_score", "monetary_score",
    ]:  # fmt: skip
        np.testing.assert_allclose(
            ours[column].astype(float),
            expected[column].astype(float),
            rtol=1e-9,
            atol=1e-9,
            err_msg=column,
        )


def test_category_pivot_matches_pandas(ledger_build):
    _, transactions = generate_ledger(N_CUSTOMERS, seed=5, as_of=AS_OF)
    tx = transactions[transactions["transaction_type"].str.startswith("purchase")]
    tx = tx[tx["transaction_ts"] >= pd.Timestamp("2025-11-01")]
    totals = tx.groupby("category")["amount"].sum().sort_values(ascending=False)
    categories = ledger_build.table("ledger_categories").sort_values("category_rank")
    assert list(categories["category"]) == list(totals.index)
    wide = ledger_build.table("customer_ledger_features").set_index("customer_id")
    spend = tx.pivot_table(index="customer_id", columns="category", values="amount", aggfunc="sum")
    spend = spend.reindex(wide.index).fillna(0.0)
    for rank, category in enumerate(totals.index[:6], start=1):
        np.testing.assert_allclose(wide[f"spend_top_{rank}"], spend[category], rtol=1e-9)
    other = spend[list(totals.index[6:])].sum(axis=1)
    np.testing.assert_allclose(wide["spend_other"], other, rtol=1e-9, atol=1e-9)


def test_ledger_segments_end_to_end(ledger_build):
    segments = ledger_build.table("customer_segments").set_index("customer_id")
    assert len(segments) == N_CUSTOMERS
    assert segments["minimum_payments"].isna().all()  # not derivable from a ledger
    assert segments["purchases"].notna().all()
    personas = ledger_build.table("segment_personas")
    assert len(personas) == 4 and personas["segment_name"].is_unique
    accounts, _ = generate_ledger(N_CUSTOMERS, seed=5, as_of=AS_OF)
    truth = accounts.set_index("customer_id")["archetype"].loc[segments.index]
    ari = adjusted_rand_score(truth, segments["segment_id"])
    assert ari > 0.5, ari  # the behavioural archetypes show through the ledger features


def test_ledger_without_accounts(dbt_runner, ledger_files):
    _, transactions = ledger_files
    variables = {
        "input_format": "ledger",
        "feature_set": ["purchases", "purchases_frequency", "cash_advance", "recency_days"],
        "transactions_csv": str(transactions),
        "accounts_csv": "",
    }
    build = dbt_runner(["build"], variables)
    features = build.query("select * from intermediate.int_ledger_customer_features")
    assert features["credit_limit"].isna().all()
    assert features["tenure"].between(1, 12).all()
    assert len(build.table("customer_segments")) == len(features)


# --- RFM x behavioural segments (issue 11) ----------------------------------------------------


#: The documented R x F map of macro rfm_segment (README, macros/rfm_segment.sql).
def rfm_segment(r: int, f: int) -> str:
    if r == 5:
        return {1: "New Customers", 2: "Potential Loyalists", 3: "Potential Loyalists"}.get(
            f, "Champions"
        )
    if r == 4:
        return {1: "Promising", 2: "Potential Loyalists", 3: "Potential Loyalists"}.get(
            f, "Loyal Customers"
        )
    if r == 3:
        return {1: "About to Sleep", 2: "About to Sleep", 3: "Need Attention"}.get(
            f, "Loyal Customers"
        )
    return {1: "Hibernating", 2: "Hibernating", 5: "Cannot Lose Them"}.get(f, "At Risk")


def test_rfm_segment_macro_covers_the_grid(ledger_build):
    grid = " union all ".join(
        f"select {r} as r, {f} as f" for r in range(1, 6) for f in range(1, 6)
    )
    compiled = ledger_build.dbt(
        ["compile", "--quiet", "--inline",
         f"select r, f, {{{{ rfm_segment('r', 'f') }}}} as s from ({grid}) as grid"],
        {"input_format": "ledger", "feature_set": "transactions"},
    ).output  # fmt: skip
    result = ledger_build.query(compiled)
    assert len(result) == 25
    for row in result.itertuples():
        assert row.s == rfm_segment(row.r, row.f), (row.r, row.f)


def test_rfm_crosswalk_counts_and_cramers_v_match_scipy(ledger_build):
    from scipy.stats import chi2_contingency

    customers = ledger_build.table("customer_ledger_features")
    customers["rfm_segment"] = [
        rfm_segment(int(r), int(f))
        for r, f in zip(customers["recency_score"], customers["frequency_score"], strict=True)
    ]
    table = pd.crosstab(customers["rfm_segment"], customers["segment_id"])
    chi2, _, _, expected = chi2_contingency(table.to_numpy(), correction=False)
    n = table.to_numpy().sum()
    cramers_v = np.sqrt(chi2 / (n * (min(table.shape) - 1)))

    crosswalk = ledger_build.table("rfm_segment_crosswalk")
    assert crosswalk["n_customers"].sum() == N_CUSTOMERS == n
    assert len(crosswalk) == table.size  # every cell, empty ones with 0
    ours = crosswalk.pivot(index="rfm_segment", columns="segment_id", values="n_customers")
    ours = ours.loc[table.index, table.columns]
    assert (ours.to_numpy() == table.to_numpy()).all()
    expected_cells = crosswalk.pivot(
        index="rfm_segment", columns="segment_id", values="expected_n_customers"
    ).loc[table.index, table.columns]
    np.testing.assert_allclose(expected_cells.to_numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(crosswalk["chi_square"], chi2, rtol=1e-9)
    np.testing.assert_allclose(crosswalk["cramers_v"], cramers_v, rtol=1e-9)
    shares = crosswalk.groupby("rfm_segment")["share_of_rfm_segment"].sum()
    np.testing.assert_allclose(shares, 1.0, rtol=1e-12)
    print(f"Cramer's V (RFM segment x behavioural segment, generated ledger): {cramers_v:.4f}")


def test_readme_crosswalk_query_runs(ledger_build):
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = next(
        b for b in re.findall(r"```sql\n(.*?)```", readme, re.S) if "rfm_segment_crosswalk" in b
    )
    result = ledger_build.query(block)
    assert len(result) > 0 and result["cramers_v"].between(0, 1).all()
