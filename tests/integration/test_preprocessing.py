"""Preprocessing is written once (issue 17): the macro preprocess_features, called by the
intermediate models and by assign_segment, with the parameter tables passed in."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from customer_segmentation.schema import CC_GENERAL_FEATURES, sql_name

PROJECT_DIR = Path(__file__).resolve().parents[2]
MACRO = PROJECT_DIR / "macros" / "features" / "preprocess_features.sql"
FEATURES = [sql_name(c) for c in CC_GENERAL_FEATURES]

#: Pieces of the preprocessing: applying the imputation values, the engineered features, the
#: scaled (transformed, centred, divided) values. Only preprocess_features may call them.
PREPROCESSING_CALLS = {
    "pivot of the imputation values": re.compile(r"pivot_feature_values\(\s*[\"']imputation_value"),
    "pivot of the scaler": re.compile(r"pivot_feature_values\(\s*[\"']feature_scale"),
    "engineered features": re.compile(r"engineered_feature_columns\("),
    "scaled feature": re.compile(r"scaled_feature\("),
}


#: Files allowed one piece, and why: the model comparison pivots both models' scalers to map
#: the champion's centroids into the challenger's standardized space (centroids, not customer
#: rows: its customers go through preprocess_features like everyone's).
ALLOWED = {
    ("macros/lifecycle/model_comparison_ctes.sql", "pivot of the scaler"),
}


def sql_files() -> list[Path]:
    return sorted(
        [*(PROJECT_DIR / "models").rglob("*.sql"), *(PROJECT_DIR / "macros").rglob("*.sql")]
    )


def test_preprocessing_is_written_once() -> None:
    """No model or macro but preprocess_features applies imputation, engineering or scaling
    (the helpers' own definitions aside), and the callers go through it."""
    found = []
    for path in sql_files():
        if path == MACRO:
            continue
        text = re.sub(r"\{%-?\s*macro\s+\w+", "", path.read_text())
        found += [
            f"{path.relative_to(PROJECT_DIR)}: {name}"
            for name, pattern in PREPROCESSING_CALLS.items()
            if pattern.search(text)
            and (path.relative_to(PROJECT_DIR).as_posix(), name) not in ALLOWED
        ]
    assert not found, "preprocessing re-rendered outside preprocess_features.sql:\n" + "\n".join(
        found
    )
    callers = [
        "models/intermediate/customers/int_customers_imputed.sql",
        "models/intermediate/customers/int_customers_engineered.sql",
        "models/intermediate/customers/int_customers_standardized.sql",
        "macros/scoring/assign_segment.sql",
    ]
    for caller in callers:
        assert "preprocess_features(" in (PROJECT_DIR / caller).read_text(), caller
    body = MACRO.read_text()
    # the fitted parameters are arguments (champion models, the on-run-end hook): never ref()'d
    assert not re.search(r"\b(ref|source)\(", body.split("-#}", 1)[1])


def test_preprocess_features_scores_with_the_parameters_it_is_given(sample_build) -> None:
    """Other imputation values and scaler parameters than the build's, passed as CTE names:
    the output follows them (checked against pandas), so a caller chooses the run it scores
    with."""
    inline = """
with
alternative_imputation as (
    select feature_name, imputation_value * 2 + 1 as imputation_value
    from {{ ref('int_feature_imputation_values') }}
),
alternative_scaling as (
    select feature_name, lower_bound, upper_bound,
        feature_center + 1 as feature_center, feature_scale * 3 as feature_scale
    from {{ ref('int_feature_scaling_parameters') }}
),
{{ preprocess_features(
    ref('int_customers_base_features'),
    imputation='alternative_imputation',
    scaling='alternative_scaling',
) }}
select * from preprocess__standardized
"""
    compiled = sample_build.dbt(["compile", "--quiet", "--inline", inline]).output
    scored = sample_build.query(compiled).set_index("customer_id").sort_index()

    base = sample_build.table("int_customers_base_features").set_index("customer_id").sort_index()
    imputation = sample_build.table("int_feature_imputation_values").set_index("feature_name")
    scaling = sample_build.table("int_feature_scaling_parameters").set_index("feature_name")
    assert set(scaling["transform_method"]) == {"none"}  # the sample's default feature set
    assert base[FEATURES].isna().to_numpy().sum() > 0  # the sample has values to impute

    fill = imputation["imputation_value"] * 2 + 1
    filled = base[FEATURES].fillna(fill[FEATURES])
    assert len(scored) == len(base)
    np.testing.assert_array_equal(scored["n_imputed_values"], base[FEATURES].isna().sum(axis=1))
    np.testing.assert_allclose(scored[FEATURES], filled, rtol=1e-12)
    for feature in scaling.index:
        expected = (filled[feature] - (scaling.at[feature, "feature_center"] + 1)) / (
            scaling.at[feature, "feature_scale"] * 3
        )
        np.testing.assert_allclose(scored[f"z_{feature}"], expected, rtol=1e-9, atol=1e-12)
    # and differs from the build's own standardized values: the arguments were used
    build = sample_build.table("int_customers_standardized").set_index("customer_id").sort_index()
    assert not np.allclose(scored["z_balance"], build["z_balance"])


def test_preprocess_features_rejects_steps_out_of_order(sample_build) -> None:
    build = sample_build.dbt(
        [
            "compile",
            "--inline",
            "with {{ preprocess_features('x', imputation='i', scaling='s', "
            "steps=['impute', 'standardize']) }} select 1",
        ],
        check=False,
    )
    assert build.returncode != 0
    assert "preprocess_features: steps must be a contiguous part of" in build.output
