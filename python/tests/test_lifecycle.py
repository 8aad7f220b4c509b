"""customer_segmentation.lifecycle and the registry row of a score run."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from customer_segmentation.history import REGISTRY_COLUMNS, score_registry_row
from customer_segmentation.lifecycle import (
    LifecycleError,
    decision_reason,
    is_score_run,
    scoring_model,
    store_query,
    stored_parameters,
    with_promotion,
)

FEATURES = ["a", "b"]
CENTERS = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])


def lifecycle_row(kind: str, model: str = "m1", store: str = "ml") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": ["r2"],
            "run_kind": [kind],
            "model_run_id": [model],
            "decision_reason": ["auto: the champion still fits"],
            "parameter_store": [store],
        }
    )


def test_the_lifecycle_row_says_the_kind_and_the_model() -> None:
    assert is_score_run(lifecycle_row("score"))
    assert not is_score_run(lifecycle_row("fit"))
    assert not is_score_run(lifecycle_row("fit").iloc[:0])  # `dbt run --empty`
    assert scoring_model(lifecycle_row("score", "m7")) == "m7"
    assert decision_reason(lifecycle_row("score")) == "auto: the champion still fits"
    with pytest.raises(LifecycleError, match="empty"):
        scoring_model(lifecycle_row("score").iloc[:0])


def test_stored_parameters_are_the_models_rows_without_the_key() -> None:
    con = duckdb.connect()
    con.execute("create schema ml")
    con.execute(
        "create table ml.ml_model_pca_loadings as select * from (values"
        " ('m1', 1, 'a', 0.6), ('m1', 1, 'b', 0.8), ('m2', 1, 'a', 1.0)"
        ") as t(model_run_id, component, feature_name, loading)"
    )
    rows = stored_parameters(con, lifecycle_row("score", "m1"), "ml_model_pca_loadings")
    assert list(rows.columns) == ["component", "feature_name", "loading"]
    assert sorted(rows["loading"]) == [0.6, 0.8]
    with pytest.raises(LifecycleError, match="model m9 has no rows in ml_model_pca_loadings"):
        stored_parameters(con, lifecycle_row("score", "m9"), "ml_model_pca_loadings")
    with pytest.raises(LifecycleError, match="no parameter store exists yet"):
        store_query(lifecycle_row("score", store=""), "ml_model_pca_loadings")
    # a quote in an id cannot end the literal
    assert "'it''s'" in store_query(lifecycle_row("score", "it's"), "ml_model_centroids")


def test_score_registry_row_describes_the_model_and_this_runs_input(blobs) -> None:
    sample, centroids = blobs
    run = pd.DataFrame(
        {
            "run_id": ["r2"],
            "run_at": [pd.Timestamp("2026-02-28")],
            "input_fingerprint": ["abc"],
            "n_input_customers": [240],
            "run_vars": ['{"lifecycle": {"refit": "auto"}}'],
        }
    )
    row = score_registry_row(
        run, centroids, sample, "r1", "auto: the champion still fits", random_state=0
    ).iloc[0]
    assert list(row.index) == list(REGISTRY_COLUMNS)
    assert (row["run_id"], row["run_kind"], row["model_run_id"]) == ("r2", "score", "r1")
    assert row["decision_reason"] == "auto: the champion still fits"
    assert row["segment_ids"] == "1,2,3" and row["n_clusters"] == 3
    assert row["fit_inertia"] == 123.0 and row["n_fit_rows"] == 240
    assert (row["n_matched_segments"], row["n_new_segments"], row["n_retired_segments"]) == (
        0,
        0,
        0,
    )
    assert not row["has_drift_alert"]
    points = sample[FEATURES].to_numpy()
    labels = ((points[:, None, :] - CENTERS[None]) ** 2).sum(axis=2).argmin(axis=1)
    assert row["silhouette"] == pytest.approx(silhouette_score(points, labels), rel=1e-12)
    assert json.loads(row["run_vars"]) == {"lifecycle": {"refit": "auto"}}
    assert score_registry_row(run.iloc[:0], centroids, sample, "r1", "x", 0).empty


def test_with_promotion_adds_the_promotion_fields_of_the_lifecycle_row() -> None:
    row = pd.DataFrame({"run_id": ["r3"], "model_run_id": ["r3"]})
    challenger = lifecycle_row("fit", model="r3").assign(
        champion_run_id=["r1"], is_promotion=[False], promotion_reason=[None]
    )
    out = with_promotion(row, challenger).iloc[0]
    assert (out["champion_run_id"], out["is_promotion"]) == ("r1", False)
    assert pd.isna(out["promotion_reason"])
    promoted = lifecycle_row("score", model="r3").assign(
        champion_run_id=["r1"],
        is_promotion=[True],
        promotion_reason=["promoted: lifecycle.promote_run_id"],
    )
    out = with_promotion(row, promoted).iloc[0]
    assert (
        bool(out["is_promotion"])
        and out["promotion_reason"] == "promoted: lifecycle.promote_run_id"
    )
    first = lifecycle_row("fit", model="r3").assign(
        champion_run_id=[None], is_promotion=[True], promotion_reason=["auto: no champion"]
    )
    out = with_promotion(row, first)
    assert pd.isna(out["champion_run_id"].iloc[0]) and out["promotion_reason"].iloc[0] == (
        "auto: no champion"
    )
    # typed even when every value is missing: the registry column is created as text
    assert str(out["champion_run_id"].dtype) == "string"
    with duckdb.connect() as con:
        con.register("frame", out)
        types = dict(con.sql("select column_name, column_type from (describe frame)").fetchall())
    assert types["champion_run_id"] == "VARCHAR" and types["promotion_reason"] == "VARCHAR"
    # before lifecycles: the run is the promotion of its own fit
    legacy = with_promotion(row, pd.DataFrame()).iloc[0]
    assert bool(legacy["is_promotion"]) and legacy["promotion_reason"] == "refit: always"
    assert with_promotion(row.iloc[:0], promoted).empty
