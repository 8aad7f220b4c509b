"""The transaction-ledger input: aggregates derived in SQL equal an independent pandas computation
on the same generated ledger, and the ledger segments end to end."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy
from sklearn.metrics import adjusted_rand_score

from customer_segmentation.ledger import generate_ledger, write_ledger, write_retail_ledger

AS_OF = date(2026, 11, 1)
N_CUSTOMERS = 3000


@pytest.fixture(scope="module")
def ledger_files(tmp_path_factory) -> tuple[Path, Path]:
    return write_ledger(tmp_path_factory.mktemp("ledger"), N_CUSTOMERS, seed=5, as_of=AS_OF)


def card_vars(ledger_files: tuple[Path, Path]) -> dict:
    accounts, transactions = ledger_files
    return {
        "input_format": "ledger",
        "features": {"set": "transactions"},
        "transactions_csv": str(transactions),
        "accounts_csv": str(accounts),
        "ledger": {"as_of": AS_OF.isoformat()},
    }


@pytest.fixture(scope="module")
def ledger_build(dbt_runner, ledger_files):
    return dbt_runner(["build"], card_vars(ledger_files), unit_tests=True)


def test_unit_tests_pass_on_a_card_ledger_with_accounts(ledger_build):
    """The ledger's unit tests are enabled by `input_format: ledger` and run in its build."""
    output = ledger_build.output
    unit_test = "test_ledger_features_tenure_from_account_opening"
    assert re.search(rf" PASS \w+::{unit_test}\b", output), output
    assert "ERROR=0" in output


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
    # purchase occasions without an order id: distinct days with a purchase
    days = tx[purchase].assign(day=tx["transaction_ts"].dt.normalize())
    out["frequency"] = days.groupby("customer_id")["day"].nunique().reindex(out.index).fillna(0)
    out["recency_score"] = rfm_scores(-out["recency_days"])
    out["frequency_score"] = rfm_scores(out["frequency"].clip(lower=1))
    out["monetary_score"] = rfm_scores(out["purchases"])
    return out


def rfm_scores(values: pd.Series) -> pd.Series:
    """The documented RFM rule (macro rfm_score), higher values better: quintiles of the rank
    (ties take the lowest rank, so share the lower score); when the customers tied at the bottom
    are at least a fifth, they get 1 alone and the rest quartiles of their own rank, 2..5."""
    rank = values.rank(method="min")
    n, n_bottom = len(values), int((rank == 1).sum())
    if 5 * n_bottom >= n:
        rest = n - n_bottom
        score = 2 + np.floor(4 * (rank - 1 - n_bottom) / max(rest, 1))
    else:
        score = 1 + np.floor(5 * (rank - 1) / n)
    return score.where(rank > 1, 1.0)


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
        "credit_limit", "frequency", "recency_score", "frequency_score", "monetary_score",
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
        "features": {"set": ["purchases", "purchases_frequency", "cash_advance", "recency_days"]},
        "transactions_csv": str(transactions),
        "accounts_csv": "",
    }
    build = dbt_runner(["build"], variables)
    features = build.query("select * from intermediate.int_ledger_customer_features")
    assert features["credit_limit"].isna().all()
    assert features["tenure"].between(1, 12).all()
    assert len(build.table("customer_segments")) == len(features)


# --- RFM x behavioural segments (issue 11) ----------------------------------------------------


#: The documented R x F map of macro rfm_segment (docs/ledger.md).
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


def test_rfm_segment_macro_covers_the_grid(ledger_build, ledger_files):
    grid = " union all ".join(
        f"select {r} as r, {f} as f" for r in range(1, 6) for f in range(1, 6)
    )
    compiled = ledger_build.dbt(  # the build's own vars: a partial parse
        ["compile", "--quiet", "--inline",
         f"select r, f, {{{{ rfm_segment('r', 'f') }}}} as s from ({grid}) as grid"],
        card_vars(ledger_files),
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


def test_documented_crosswalk_query_runs(ledger_build):
    import re

    ledger_page = (Path(__file__).resolve().parents[2] / "docs" / "ledger.md").read_text()
    block = next(
        b
        for b in re.findall(r"```sql\n(.*?)```", ledger_page, re.S)
        if "rfm_segment_crosswalk" in b
    )
    result = ledger_build.query(block)
    assert len(result) > 0 and result["cramers_v"].between(0, 1).all()


# --- a retail ledger: baskets, departments, refunds, one-time buyers, no accounts (issue 19) ---

N_RETAIL = 2000
#: Bad lines inserted into the retail file: (data index, text, reason code, offending value).
BAD_LINES = [
    (5, "R100001,B99999901,2026-03-01 10:00:00,-12.50,payment,payment", "negative_amount",
     "-12.50"),
    (100, "R100002,B99999902,2026-03-01 10:00:00,twelve,grocery,purchase", "bad_amount",
     "twelve"),
    (1000, "R100003,B99999903,03/01/1997,4.20,grocery,purchase", "bad_timestamp", "03/01/1997"),
    (5000, "R100004,B99999904,2026-03-01 10:00:00,4.20,grocery,gift_card",
     "unknown_transaction_type", "gift_card"),
    (20000, ",B99999905,2026-03-01 10:00:00,4.20,grocery,purchase", "missing_customer_id", ""),
]  # fmt: skip
#: Valid lines inserted too: a refund of a line (netted) and a zero-amount purchase line.
GOOD_LINES = [
    (30000, "R100005,B99999906,2026-03-02 10:00:00,3.00,grocery,refund"),
    (40000, "R100006,B99999907,2026-03-02 10:00:00,0.00,grocery,purchase"),
]


@pytest.fixture(scope="module")
def retail_file(tmp_path_factory) -> Path:
    path = write_retail_ledger(tmp_path_factory.mktemp("retail"), N_RETAIL, seed=5, as_of=AS_OF)
    header, *rows = path.read_text().splitlines()
    for index, text, *_ in sorted(BAD_LINES + GOOD_LINES):
        rows.insert(index, text)
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def retail_vars(path: Path) -> dict:
    return {
        "input_format": "ledger",
        "features": {"set": "transactions"},
        "transactions_csv": str(path),
        "accounts_csv": None,
    }


@pytest.fixture(scope="module")
def retail_build(dbt_runner, retail_file):
    return dbt_runner(["build"], retail_vars(retail_file), unit_tests=True)


def pandas_retail_reference(path: Path) -> tuple[pd.DataFrame, dict]:
    """The documented ledger contract, window and features, computed with pandas from the file."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw["line_number"] = np.arange(len(raw)) + 2
    ts = pd.to_datetime(raw["transaction_ts"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    amount = pd.to_numeric(raw["amount"], errors="coerce")
    kind = raw["transaction_type"].str.lower().map(
        {"purchase": "oneoff", "purchase_oneoff": "oneoff", "purchase_installment": "installment",
         "refund": "refund", "reversal": "refund", "payment": "payment",
         "cash_advance": "cash_advance"}
    )  # fmt: skip
    valid = (
        (raw["customer_id"] != "")
        & ts.notna()
        & np.isfinite(amount)
        & kind.notna()
        & ~(kind.isin(["payment", "cash_advance"]) & (amount < 0))
    )
    as_of = ts[valid].max().normalize() + pd.Timedelta(days=1)
    start = as_of - pd.DateOffset(years=1)
    lines = raw.assign(ts=ts, amount=amount, kind=kind)[valid]
    history = lines[lines["ts"] < as_of]
    window = history[history["ts"] >= start]
    counts = {
        "lines_read": len(raw),
        "lines_quarantined": int((~valid).sum()),
        "lines_used": len(window),
        "lines_before_window": len(history) - len(window),
        "as_of": as_of,
        "customers_in_file": lines["customer_id"].nunique(),
        "customers_active_in_window": window["customer_id"].nunique(),
        "customers_only_after_as_of": len(
            set(lines.loc[lines["ts"] >= as_of, "customer_id"]) - set(history["customer_id"])
        ),
    }
    signed = np.select(
        [window["kind"].isin(["oneoff", "installment"]), window["kind"] == "refund"],
        [window["amount"], -window["amount"].abs()],
        0.0,
    )
    window = window.assign(signed=signed)
    customers = pd.Index(sorted(history["customer_id"].unique()), name="customer_id")
    by = window.groupby("customer_id")
    oneoff = window[window["kind"].isin(["oneoff", "refund"])].groupby("customer_id")["signed"]
    out = pd.DataFrame(index=customers)
    out["oneoff_purchases"] = oneoff.sum().reindex(customers).fillna(0).clip(lower=0)
    installment = window[window["kind"] == "installment"].groupby("customer_id")["signed"].sum()
    out["purchases"] = out["oneoff_purchases"] + installment.reindex(customers).fillna(0).clip(
        lower=0
    )
    bought = window[window["kind"].isin(["oneoff", "installment"]) & (window["amount"] > 0)]
    out["frequency"] = bought.groupby("customer_id")["order_id"].nunique().reindex(customers)
    out["frequency"] = out["frequency"].fillna(0)
    out["avg_order_value"] = (out["purchases"] / out["frequency"]).where(out["frequency"] > 0, 0)
    ever_bought = history[history["kind"].isin(["oneoff", "installment"]) & (history["amount"] > 0)]
    last = ever_bought.groupby("customer_id")["ts"].max().reindex(customers)
    covered = max(365, (as_of - history["ts"].min().normalize()).days)
    out["recency_days"] = (as_of - last.dt.normalize()).dt.days.fillna(covered)
    first = history.groupby("customer_id")["ts"].min().reindex(customers)
    months = (as_of.year * 12 + as_of.month) - (first.dt.year * 12 + first.dt.month)
    out["tenure"] = months.clip(1, 12)
    out["is_active_in_window"] = out.index.isin(by.size().index)
    out["recency_score"] = rfm_scores(-out["recency_days"])
    out["frequency_score"] = rfm_scores(out["frequency"].clip(lower=1))
    out["monetary_score"] = rfm_scores(out["purchases"])
    return out, counts


def test_retail_bad_lines_are_quarantined_by_line_number(retail_build, retail_file):
    quarantine = retail_build.table("ledger_quarantine").sort_values("line_number")
    expected = [(index + 2, code, value) for index, _, code, value in sorted(BAD_LINES)]
    assert list(zip(quarantine["line_number"], quarantine["reason_code"], quarantine["raw_value"],
                    strict=True)) == expected  # fmt: skip
    raw = retail_file.read_text().splitlines()
    for line_number, *_ in expected:  # the line numbers point at the lines in the file
        assert raw[line_number - 1] in {text for _, text, *_ in BAD_LINES}
    assert quarantine["expected"].notna().all()


def test_retail_lines_and_customers_reconcile(retail_build, retail_file):
    reference, counts = pandas_retail_reference(retail_file)
    rec = retail_build.table("ledger_reconciliation").iloc[0]
    assert (
        rec["lines_read"] == counts["lines_read"] == len(retail_file.read_text().splitlines()) - 1
    )
    assert rec["lines_quarantined"] == counts["lines_quarantined"] == len(BAD_LINES)
    assert rec["lines_used"] == counts["lines_used"]
    assert rec["lines_before_window"] == counts["lines_before_window"] > 0
    assert rec["lines_after_as_of"] == 0
    assert rec["lines_read"] == (
        rec["lines_used"] + rec["lines_quarantined"] + rec["lines_before_window"]
    )
    assert pd.Timestamp(rec["as_of_date"]) == counts["as_of"]  # the day after the last line
    assert rec["customers_segmented"] == len(reference) == N_RETAIL
    assert rec["customers_inactive"] == (~reference["is_active_in_window"]).sum() > 0
    for column in ["customers_in_file", "customers_active_in_window", "customers_only_after_as_of"]:
        assert rec[column] == counts[column], column
    assert rec["customers_in_file"] == N_RETAIL > rec["customers_active_in_window"]
    assert len(retail_build.table("customer_segments")) == N_RETAIL
    assert "ledger window [" in retail_build.output
    assert "balance, credit_limit are NULL for everyone" in retail_build.output
    # the build's last line says the same, with the reasons counted from the bad lines
    reasons = pd.Series([code for _, _, code, _ in BAD_LINES]).value_counts()
    reasons = reasons.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    reason_text = ", ".join(f"{code}: {n}" for code, n in reasons.items())
    inactive = (~reference["is_active_in_window"]).sum()
    assert (
        f"Rows: {counts['lines_read']} ledger lines read, {counts['lines_used']} used, "
        f"{len(BAD_LINES)} quarantined ({reason_text}), {counts['lines_before_window']} before "
        f"the window, 0 after ledger.as_of; {N_RETAIL} customers segmented ({inactive} inactive "
        "in the window)"
    ) in retail_build.output


def test_retail_features_and_rfm_match_pandas(retail_build, retail_file):
    expected, _ = pandas_retail_reference(retail_file)
    ours = retail_build.table("int_ledger_customer_features").set_index("customer_id")
    ours = ours.loc[expected.index]
    for column in [
        "purchases", "oneoff_purchases", "frequency", "avg_order_value", "recency_days",
        "tenure", "recency_score", "frequency_score", "monetary_score",
    ]:  # fmt: skip
        np.testing.assert_allclose(
            ours[column].astype(float), expected[column].astype(float), rtol=1e-9, atol=1e-9,
            err_msg=column,
        )  # fmt: skip
    assert (ours["is_active_in_window"] == expected["is_active_in_window"]).all()
    one_time = expected["frequency"] == 1
    assert one_time.mean() > 0.3 and (ours.loc[one_time, "frequency_score"] == 1).all()
    for score in ["recency_score", "frequency_score", "monetary_score"]:
        assert set(ours[score]) == {1, 2, 3, 4, 5}, score
    segments = {rfm_segment(int(r), int(f)) for r, f in
                zip(ours["recency_score"], ours["frequency_score"], strict=True)}  # fmt: skip
    assert len(segments) == 10, segments
    crosswalk = retail_build.table("rfm_segment_crosswalk")
    assert set(crosswalk["rfm_segment"]) == segments


def test_retail_model_features_leave_out_account_columns(retail_build):
    fitted = set(retail_build.table("int_feature_scaling_parameters")["feature_name"])
    assert "avg_order_value" in fitted and not fitted & {"credit_limit", "balance"}


def test_retail_unit_tests_pass_without_accounts(retail_build):
    output = retail_build.output
    for unit_test in (
        "test_ledger_features_baskets_refunds_inactive_and_rfm",
        "test_ledger_lines_checked_reason_codes_and_signed_amounts",
    ):
        assert re.search(rf" PASS \w+::{unit_test}\b", output), output


def test_retail_window_errors_name_file_var_and_window(
    retail_build, retail_file, tmp_path, run_dbt
):
    select = ["build", "--select", "+int_ledger_customer_features"]
    early = retail_build.dbt(
        select, {**retail_vars(retail_file), "ledger": {"as_of": "2020-01-01"}}, check=False
    )
    assert early.returncode != 0
    assert "No ledger customer to segment" in early.output
    assert str(retail_file) in early.output and "ledger.as_of" in early.output
    assert "[2019-01-01, 2020-01-01)" in early.output
    # US dates in the same file (the retail build's own vars, so a partial parse), into a fresh
    # database; the file's content is put back afterwards
    kept = tmp_path / "retail_kept.csv"
    shutil.copy(retail_file, kept)
    retail_file.write_text(
        "customer_id,transaction_ts,amount,category,transaction_type\n"
        "C1,03/01/1997,10.00,food,purchase\nC2,03/02/1997,5.00,food,purchase\n"
    )
    try:
        bad = run_dbt(select, tmp_path / "us_dates.duckdb", retail_vars(retail_file), check=False)
    finally:
        shutil.copy(kept, retail_file)
    assert bad.returncode != 0
    assert "has a valid transaction_ts: expected YYYY-MM-DD" in bad.output
    assert "03/01/1997" in bad.output and str(retail_file) in bad.output
