"""Engineered features, transforms, scalers and feature sets, checked against pandas and
scikit-learn on the same data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from customer_segmentation.schema import CC_GENERAL_FEATURES, sql_name

FEATURES = [sql_name(c) for c in CC_GENERAL_FEATURES]
SAMPLE_CSV = Path(__file__).resolve().parents[2] / "seeds" / "sample_customers.csv"
RATIOS = {
    "monthly_avg_purchases": ("purchases", "tenure"),
    "monthly_avg_cash_advance": ("cash_advance", "tenure"),
    "limit_usage": ("balance", "credit_limit"),
    "payment_to_minimum_ratio": ("payments", "minimum_payments"),
    "payment_to_balance_ratio": ("payments", "balance"),
    "avg_purchase_amount": ("purchases", "purchases_trx"),
}
ENGINEERED_SET = [
    "monthly_avg_purchases", "monthly_avg_cash_advance", "limit_usage",
    "payment_to_minimum_ratio", "payment_to_balance_ratio", "avg_purchase_amount",
    "balance", "purchases", "cash_advance", "credit_limit", "payments",
    "purchases_frequency", "purchases_installments_frequency", "cash_advance_frequency",
    "prc_full_payment",
]  # fmt: skip
#: This module does not look at the k sweep: no bootstrap, a short k range.
CHEAP_DIAGNOSTICS = {"k_selection": {"bootstrap": 0, "max": 4}}
MONEY = {
    "balance", "purchases", "cash_advance", "credit_limit", "payments",
    "monthly_avg_purchases", "monthly_avg_cash_advance", "avg_purchase_amount",
}  # fmt: skip


def pandas_engineered(csv: Path) -> pd.DataFrame:
    """The notebook-style computation: mean-impute, then the documented ratios."""
    raw = pd.read_csv(csv).rename(columns=sql_name).set_index("customer_id")[FEATURES]
    frame = raw.fillna(raw.mean())
    for name, (numerator, denominator) in RATIOS.items():
        ratio = frame[numerator] / frame[denominator].where(frame[denominator] != 0)
        frame[name] = ratio.fillna(0.0)
    both = (frame["oneoff_purchases"] > 0) & (frame["installments_purchases"] > 0)
    frame["purchase_type"] = np.select(
        [both, frame["oneoff_purchases"] > 0, frame["installments_purchases"] > 0],
        ["both", "one_off", "installment"],
        default="none",
    )
    return frame


def test_engineered_features_match_pandas_on_cc_general(cc_general_build, cc_general_csv):
    expected = pandas_engineered(cc_general_csv)
    ours = cc_general_build.query("select * from intermediate.int_customers_engineered").set_index(
        "customer_id"
    )
    ours = ours.loc[expected.index]
    for name in RATIOS:
        np.testing.assert_allclose(ours[name], expected[name], rtol=1e-12, err_msg=name)
    assert (ours["purchase_type"] == expected["purchase_type"]).all()
    # the zero-denominator rule is exercised by the real data
    assert (expected["balance"] == 0).sum() > 0
    assert set(expected["purchase_type"]) == {"none", "one_off", "installment", "both"}


def test_engineered_set_with_robust_scaling_and_winsorizing(dbt_runner):
    variables = {
        "features": {
            "set": "engineered",
            "scaling": "robust",
            "transforms": {"balance": "winsorize", "payments": "none"},
            "winsorize_quantiles": [0.05, 0.95],
        },
        **CHEAP_DIAGNOSTICS,
    }
    build = dbt_runner(["build"], variables)
    frame = pandas_engineered(SAMPLE_CSV)
    transformed = pd.DataFrame(index=frame.index)
    for feature in ENGINEERED_SET:
        values = frame[feature]
        if feature == "balance":
            low, high = np.quantile(values, [0.05, 0.95])
            values = values.clip(low, high)
        elif feature in MONEY and feature != "payments":
            values = np.log1p(values)
        transformed[feature] = values
    scaler = RobustScaler().fit(transformed)
    params = build.query("select * from intermediate.int_feature_scaling_parameters").set_index(
        "feature_name"
    )
    params = params.loc[ENGINEERED_SET]
    np.testing.assert_allclose(params["feature_center"], scaler.center_, rtol=1e-10)
    np.testing.assert_allclose(params["feature_scale"], scaler.scale_, rtol=1e-10)
    assert params.loc["balance", "transform_method"] == "winsorize"
    assert params.loc["payments", "transform_method"] == "none"
    assert params.loc["purchases", "transform_method"] == "log1p"
    standardized = build.query("select * from intermediate.int_customers_standardized").set_index(
        "customer_id"
    )
    z = standardized.loc[frame.index, [f"z_{f}" for f in ENGINEERED_SET]].to_numpy()
    np.testing.assert_allclose(z, scaler.transform(transformed), rtol=1e-9, atol=1e-9)
    centroids = build.query("select * from ml.ml_kmeans_centroids")
    assert sorted(centroids["feature_name"].unique()) == sorted(ENGINEERED_SET)
    assert len(build.table("customer_segments")) == 5000


def test_explicit_feature_list_with_minmax_scaling(dbt_runner):
    chosen = ["balance", "purchases", "limit_usage"]
    variables = {"features": {"set": chosen, "scaling": "minmax"}, **CHEAP_DIAGNOSTICS}
    build = dbt_runner(["build"], variables)
    frame = pandas_engineered(SAMPLE_CSV)[chosen]
    scaler = MinMaxScaler().fit(frame)
    params = (
        build.query("select * from intermediate.int_feature_scaling_parameters")
        .set_index("feature_name")
        .loc[chosen]
    )
    np.testing.assert_allclose(params["feature_center"], scaler.data_min_, rtol=1e-12)
    np.testing.assert_allclose(params["feature_scale"], scaler.data_range_, rtol=1e-12)
    centroids = build.query("select * from ml.ml_kmeans_centroids")
    assert sorted(centroids["feature_name"].unique()) == sorted(chosen)
    # profiles still describe every input and engineered feature
    profiles = build.table("segment_profiles")
    assert set(FEATURES + list(RATIOS)) == set(profiles["feature_name"])


UNKNOWN = "unknown feature(s) for input_format 'cc_general': "
SCALING = "var 'features.scaling' must be one of 'standard', 'robust', 'minmax', got 'zscore'"
WINSORIZE = "var 'features.winsorize_quantiles' must be [low, high] with 0 <= low < high <= 1"
BAD_TRANSFORM = "transform for 'balance' must be none, log1p or winsorize, got 'sqrt'"
NOT_A_FEATURE = "var 'features.transforms' names 'recency_days', which is not a model feature"


@pytest.mark.parametrize(
    ("variables", "messages"),
    [
        # one invocation carries several problems: every one is reported, under one header
        (
            {
                "features": {
                    "set": ["balance", "nope"],
                    "transforms": {"balance": "sqrt"},
                    "scaling": "zscore",
                    "winsorize_quantiles": [0.9, 0.1],
                }
            },
            [
                "Invalid feature configuration (4 problems)",
                UNKNOWN + "nope. Available: balance, balance_frequency, purchases",
                BAD_TRANSFORM,
                SCALING,
                WINSORIZE + ", got [0.9, 0.1]",
            ],
        ),
        (
            {"features": {"set": ["balance", "balance"], "transforms": {"recency_days": "log1p"}}},
            [
                "Invalid feature configuration (2 problems)",
                "var 'features.set' must name at least one feature, each once; got "
                "['balance', 'balance']",
                NOT_A_FEATURE + " (balance, balance)",
            ],
        ),
        # a single problem is raised as it is
        ({"features": {"set": ["balance; drop table x"]}}, [UNKNOWN + "balance; drop table x."]),
        (
            {"features": {"set": "everything"}},
            [
                "var 'features.set' must be one of seed17, engineered, transactions or a list of "
                "feature names, got 'everything'"
            ],
        ),
        (
            {"input_format": "xml"},
            ["var 'input_format' must be 'cc_general' or 'ledger', got 'xml'"],
        ),
        ({"features": {"set": "transactions"}}, [UNKNOWN + "recency_days, frequency, monetary"]),
    ],
)
def test_bad_feature_configuration_fails_clearly(dbt_runner, variables, messages):
    build = dbt_runner(["parse"], variables, check=False)
    if build.returncode == 0:  # some checks only run when models compile
        build = dbt_runner(
            ["compile", "--select", "int_customers_standardized"], variables, check=False
        )
    assert build.returncode != 0
    for message in messages:
        assert message in build.output, message
    if len(messages) == 1:
        assert "Invalid feature configuration" not in build.output


def test_standard_scaling_on_seed17_is_unchanged(sample_build):
    frame = pandas_engineered(SAMPLE_CSV)[FEATURES]
    scaler = StandardScaler().fit(frame)
    params = sample_build.query(
        "select * from intermediate.int_feature_scaling_parameters"
    ).set_index("feature_name")
    np.testing.assert_allclose(params.loc[FEATURES, "feature_center"], scaler.mean_, rtol=1e-10)
    np.testing.assert_allclose(params.loc[FEATURES, "feature_scale"], scaler.scale_, rtol=1e-10)
