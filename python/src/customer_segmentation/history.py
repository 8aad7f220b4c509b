"""Segment history: stable segment ids across refits, and the model registry row of a fit.

Every refit of k-means numbers its clusters by size (largest = 1), so "segment 2" can mean a
different kind of customer each month. :func:`assign_stable_ids` gives a new fit's centroids the
ids of the previous run's centroids they correspond to:

1. Both runs' centroids are mapped back to raw units (``z * feature_scale + feature_mean`` with
   each run's own scaler) and re-standardized with ONE common scaler: the current run's. The two
   runs are thus compared in the current population's standard deviations.
2. A pair farther apart than ``max_distance`` is not a counterpart. The Hungarian algorithm
   (:func:`scipy.optimize.linear_sum_assignment`) pairs new and previous centroids so that the
   number of counterparts is maximal and, among those pairings, the sum of their Euclidean
   distances is minimal.
3. A matched centroid inherits the previous id.
4. Unmatched new centroids get new ids beyond the largest id ever used in the history, in the
   fit's size order (largest first). Unmatched previous ids are retired: they are never reused.

So when k grows, the extra segments get new ids; when k shrinks, the segments without a
counterpart disappear and their ids stay retired. The first run (empty history) keeps the fit's
own ids (largest cluster = 1).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from customer_segmentation.sklearn_import import silhouette_score

#: Columns of ``ml_centroid_history``: one row per run, segment and feature.
CENTROID_HISTORY_COLUMNS = {
    "run_id": "string",
    "run_at": "datetime64[us]",
    "segment_id": "int64",
    "raw_segment_id": "int64",
    "feature_name": "string",
    "centroid_value": "float64",
    "centroid_raw_value": "float64",
    "n_fit_customers": "int64",
    "match_status": "string",
    "previous_run_id": "string",
    "match_distance": "float64",
}

#: Columns of ``ml_model_registry``: one row per successful fit.
REGISTRY_COLUMNS = {
    "run_id": "string",
    "run_at": "datetime64[us]",
    "input_fingerprint": "string",
    "n_input_customers": "int64",
    "n_fit_rows": "int64",
    "n_clusters": "int64",
    "fit_inertia": "float64",
    "silhouette": "float64",
    "silhouette_sample_size": "int64",
    "feature_list": "string",
    "run_vars": "string",
    "segment_ids": "string",
    "n_matched_segments": "int64",
    "n_new_segments": "int64",
    "n_retired_segments": "int64",
    "retired_segment_ids": "string",
    "previous_run_id": "string",
    "run_kind": "string",
    "model_run_id": "string",
    "decision_reason": "string",
    "has_drift_alert": "boolean",
}

MATCH_STATUSES = ("first_run", "matched", "new")

ID_COLUMN = "customer_id"


class HistoryError(ValueError):
    """The fit cannot be placed in the segment history (bad inputs, out-of-order run)."""


def _empty(columns: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def parse_max_distance(value: object) -> float | None:
    """The setting ``history.segment_match_max_distance`` (from dbt, possibly a string): a
    positive number, or none/null/empty for "always match" (no distance limit)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        return None
    try:
        number = float(str(value))
    except ValueError:
        number = float("nan")
    if isinstance(value, bool) or not number > 0 or not np.isfinite(number):
        raise HistoryError(
            "var 'history.segment_match_max_distance' must be a positive number or none, "
            f"got {value!r}"
        )
    return number


def match_centroids(
    previous: np.ndarray,
    previous_ids: np.ndarray,
    current: np.ndarray,
    next_id: int,
    max_distance: float | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Give each current centroid a stable id.

    ``previous`` (k_prev x d) and ``current`` (k x d) are centroids in one common space, rows of
    ``current`` in the fit's order (largest cluster first). Returns ``(ids, distances, statuses)``
    per current row: the inherited or new id, the distance to the matched previous centroid (NaN
    when new) and ``"matched"`` or ``"new"``. New ids are ``next_id, next_id + 1, ...``.
    """
    previous = np.asarray(previous, dtype=np.float64)
    current = np.asarray(current, dtype=np.float64)
    previous_ids = np.asarray(previous_ids, dtype=np.int64)
    if previous.ndim != 2 or current.ndim != 2 or previous.shape[1] != current.shape[1]:
        raise HistoryError(
            f"centroid matrices must be 2-D with the same number of features, got "
            f"{previous.shape} and {current.shape}"
        )
    if previous_ids.shape != (previous.shape[0],):
        raise HistoryError("previous_ids must hold one id per previous centroid")
    if len(set(previous_ids.tolist())) != len(previous_ids):
        raise HistoryError(f"previous segment ids are not unique: {sorted(previous_ids.tolist())}")
    if max_distance is not None and not max_distance > 0:
        raise HistoryError(f"max_distance must be positive or None, got {max_distance!r}")
    k = current.shape[0]
    ids = np.zeros(k, dtype=np.int64)
    distances = np.full(k, np.nan)
    statuses = ["new"] * k
    if previous.shape[0] and k:
        cost = np.sqrt(((current[:, None, :] - previous[None, :, :]) ** 2).sum(axis=2))
        # Pairs beyond max_distance cost more than any set of valid pairs together: the
        # assignment first maximizes the number of counterparts, then minimizes their distance.
        allowed = cost if max_distance is None else np.where(cost <= max_distance, cost, np.inf)
        penalty = (np.nansum(np.where(np.isfinite(allowed), allowed, 0.0)) + 1.0) * (k + 1)
        rows, cols = linear_sum_assignment(np.where(np.isfinite(allowed), allowed, penalty))
        for row, col in zip(rows, cols, strict=True):
            if max_distance is None or cost[row, col] <= max_distance:
                ids[row] = previous_ids[col]
                distances[row] = cost[row, col]
                statuses[row] = "matched"
    for row in range(k):  # in the fit's order: the largest unmatched cluster gets the next id
        if statuses[row] == "new":
            ids[row] = next_id
            next_id += 1
    return ids, distances, statuses


def _wide(frame: pd.DataFrame, value: str, features: list[str]) -> pd.DataFrame:
    return frame.pivot(index="segment_id", columns="feature_name", values=value)[features]


def assign_stable_ids(
    centroids: pd.DataFrame,
    scaling: pd.DataFrame,
    run: pd.DataFrame,
    history: pd.DataFrame | None,
    max_distance: float | None = None,
) -> pd.DataFrame:
    """The current fit's rows for ``ml_centroid_history``, with stable segment ids.

    ``centroids``: the fit (``segment_id`` = the fit's own id, ``feature_name``,
    ``centroid_value`` in the current z units, ``n_fit_customers``). ``scaling``: the current
    scaler (``feature_name``, ``feature_mean``, ``feature_scale``). ``run``: one row with
    ``run_id`` and ``run_at``. ``history``: earlier rows of ``ml_centroid_history`` (None or empty
    on the first run). Rows of an earlier build of the same ``run_at`` are ignored (the run is
    being rebuilt). The previous run is the latest one before ``run_at``.
    """
    if len(run) == 0 or len(centroids) == 0:  # `dbt build --empty`
        return _empty(CENTROID_HISTORY_COLUMNS)
    if len(run) != 1:
        raise HistoryError(f"expected exactly one current run, got {len(run)}")
    run_id = str(run["run_id"].iloc[0])
    run_at = pd.Timestamp(run["run_at"].iloc[0])

    features = sorted(str(f) for f in centroids["feature_name"].unique())
    scaler = scaling.set_index("feature_name")
    missing = sorted(set(features) - set(scaler.index))
    if missing:
        raise HistoryError(f"no scaling parameters for features: {', '.join(missing)}")
    mean = scaler.loc[features, "feature_mean"].to_numpy(dtype=np.float64)
    scale = scaler.loc[features, "feature_scale"].to_numpy(dtype=np.float64)
    current_z = _wide(centroids, "centroid_value", features)
    raw_ids = current_z.index.to_numpy(dtype=np.int64)

    earlier = _empty(CENTROID_HISTORY_COLUMNS) if history is None else history
    if len(earlier):
        later = earlier.loc[pd.to_datetime(earlier["run_at"]) > run_at, "run_at"]
        if len(later):
            raise HistoryError(
                f"run_at {run_at} is before the latest run in the history ({later.max()}): "
                "runs must be added in time order (set var 'as_of_date' to a later date)"
            )
        earlier = earlier[pd.to_datetime(earlier["run_at"]) < run_at]

    if len(earlier) == 0:
        ids, distances = raw_ids, np.full(len(raw_ids), np.nan)
        statuses = ["first_run"] * len(raw_ids)
        previous_run_id = None
    else:
        previous_at = pd.to_datetime(earlier["run_at"]).max()
        previous = earlier[pd.to_datetime(earlier["run_at"]) == previous_at]
        previous_run_id = str(previous["run_id"].iloc[0])
        previous_features = sorted(str(f) for f in previous["feature_name"].unique())
        if previous_features != features:
            added = sorted(set(features) - set(previous_features))
            removed = sorted(set(previous_features) - set(features))
            raise HistoryError(
                f"the feature list changed since run {previous_run_id} (added: {added}, "
                f"removed: {removed}); centroids cannot be matched. Start a new history by "
                "dropping ml_centroid_history and ml_model_registry."
            )
        previous_raw = _wide(previous, "centroid_raw_value", features)
        # One common space: the previous centroids in raw units, standardized by today's scaler.
        previous_common = (previous_raw.to_numpy(dtype=np.float64) - mean) / scale
        ids, distances, statuses = match_centroids(
            previous_common,
            previous_raw.index.to_numpy(dtype=np.int64),
            current_z.to_numpy(dtype=np.float64),
            next_id=int(earlier["segment_id"].max()) + 1,
            max_distance=max_distance,
        )

    per_segment = pd.DataFrame(
        {
            "raw_segment_id": raw_ids,
            "segment_id": ids,
            "match_status": statuses,
            "match_distance": distances,
        }
    )
    sizes = centroids.groupby("segment_id")["n_fit_customers"].first()
    long = centroids[["segment_id", "feature_name", "centroid_value"]].rename(
        columns={"segment_id": "raw_segment_id"}
    )
    feature_position = {f: j for j, f in enumerate(features)}
    long["centroid_raw_value"] = [
        value * scale[feature_position[f]] + mean[feature_position[f]]
        for f, value in zip(long["feature_name"], long["centroid_value"], strict=True)
    ]
    long["n_fit_customers"] = long["raw_segment_id"].map(sizes)
    result = long.merge(per_segment, on="raw_segment_id", how="inner")
    result["run_id"] = run_id
    result["run_at"] = run_at
    result["previous_run_id"] = previous_run_id
    result = result[list(CENTROID_HISTORY_COLUMNS)]
    result = result.sort_values(["segment_id", "feature_name"], ignore_index=True)
    return result.astype(CENTROID_HISTORY_COLUMNS)


def silhouette_estimate(
    features: pd.DataFrame, centroids: pd.DataFrame, sample_size: int, random_state: int
) -> tuple[float | None, int]:
    """Silhouette of the fit: nearest-centroid labels of ``features`` (customer_id + the feature
    columns in z units), on a seeded sample of at most ``sample_size`` customers (the exact
    silhouette is quadratic in the number of customers). Returns ``(score, n_used)``; the score is
    None when it is undefined (fewer than 2 segments present or fewer than 3 customers).
    """
    names = sorted(str(f) for f in centroids["feature_name"].unique())
    if ID_COLUMN in features.columns:
        features = features.sort_values(ID_COLUMN, kind="stable")
    matrix = features[names].to_numpy(dtype=np.float64)
    centers = _wide(centroids, "centroid_value", names).to_numpy(dtype=np.float64)
    if len(matrix) > sample_size:
        rng = np.random.default_rng(random_state)
        matrix = matrix[np.sort(rng.choice(len(matrix), size=sample_size, replace=False))]
    labels = ((matrix[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels >= len(matrix):
        return None, len(matrix)
    return float(silhouette_score(matrix, labels)), len(matrix)


def registry_row(
    run: pd.DataFrame,
    centroids: pd.DataFrame,
    history: pd.DataFrame,
    fit_sample: pd.DataFrame,
    random_state: int,
    silhouette_sample_size: int = 2000,
    decision_reason: str = "refit: always",
) -> pd.DataFrame:
    """One ``ml_model_registry`` row for the current fit.

    ``run``: the one-row ``ml_fit_run`` (run id and time, input fingerprint, vars). ``centroids``:
    the fit with stable ids (``ml_segment_centroids``). ``history``: ``ml_centroid_history``
    (this run's match statuses and the previous run's ids, to list the retired ones).
    ``fit_sample``: the customers the fit saw (for the silhouette).
    """
    if len(run) == 0 or len(centroids) == 0:
        return _empty(REGISTRY_COLUMNS)
    first = run.iloc[0]
    run_id = str(first["run_id"])
    current = history[history["run_id"] == run_id]
    if len(current) == 0:
        raise HistoryError(f"run {run_id} is missing from ml_centroid_history")
    segments = current.drop_duplicates("segment_id").sort_values("segment_id")
    status = segments["match_status"].value_counts()
    segment_ids = [int(s) for s in segments["segment_id"]]
    previous_run_id = segments["previous_run_id"].dropna()
    previous_run_id = str(previous_run_id.iloc[0]) if len(previous_run_id) else None
    previous_ids = set(history.loc[history["run_id"] == previous_run_id, "segment_id"].tolist())
    retired = sorted(int(s) for s in previous_ids - set(segment_ids))
    silhouette, n_used = silhouette_estimate(
        fit_sample, centroids, silhouette_sample_size, random_state
    )
    row = {
        **_model_fields(first, centroids, segment_ids, silhouette, n_used),
        "run_id": run_id,
        "n_matched_segments": int(status.get("matched", 0)),
        "n_new_segments": int(status.get("new", 0)),
        "n_retired_segments": len(retired),
        "retired_segment_ids": ",".join(str(s) for s in retired),
        "previous_run_id": previous_run_id,
        "run_kind": "fit",
        "model_run_id": run_id,
        "decision_reason": decision_reason,
        "has_drift_alert": False,
    }
    return pd.DataFrame([row]).astype(REGISTRY_COLUMNS)


def _model_fields(
    first: pd.Series,
    centroids: pd.DataFrame,
    segment_ids: list[int],
    silhouette: float | None,
    n_used: int,
) -> dict[str, Any]:
    """The registry fields of a run that describe its input and the model that scored it (the
    run's first `run` row, the model's centroids): shared by fit and score rows."""
    return {
        "run_id": str(first["run_id"]),
        "run_at": pd.Timestamp(first["run_at"]),
        "input_fingerprint": str(first["input_fingerprint"]),
        "n_input_customers": int(first["n_input_customers"]),
        "n_fit_rows": int(centroids["n_fit_rows"].iloc[0]),
        "n_clusters": len(segment_ids),
        "fit_inertia": float(centroids["fit_inertia"].iloc[0]),
        "silhouette": np.nan if silhouette is None else silhouette,
        "silhouette_sample_size": n_used,
        "feature_list": ",".join(sorted(str(f) for f in centroids["feature_name"].unique())),
        "run_vars": json.dumps(json.loads(str(first["run_vars"])), sort_keys=True),
        "segment_ids": ",".join(str(s) for s in segment_ids),
    }


def score_registry_row(
    run: pd.DataFrame,
    centroids: pd.DataFrame,
    fit_sample: pd.DataFrame,
    model_run_id: str,
    decision_reason: str,
    random_state: int,
    silhouette_sample_size: int = 2000,
) -> pd.DataFrame:
    """One ``ml_model_registry`` row for a score run: model ``model_run_id`` (its stored
    centroids, ``centroids``, with their fit's k, inertia and training size) scored this run's
    input; the silhouette is the model's on this run's fit sample. No ids were matched."""
    if len(run) == 0 or len(centroids) == 0:
        return _empty(REGISTRY_COLUMNS)
    first = run.iloc[0]
    segment_ids = sorted(int(s) for s in centroids["segment_id"].unique())
    silhouette, n_used = silhouette_estimate(
        fit_sample, centroids, silhouette_sample_size, random_state
    )
    row = {
        **_model_fields(first, centroids, segment_ids, silhouette, n_used),
        "n_matched_segments": 0,
        "n_new_segments": 0,
        "n_retired_segments": 0,
        "retired_segment_ids": "",
        "previous_run_id": None,
        "run_kind": "score",
        "model_run_id": model_run_id,
        "decision_reason": decision_reason,
        "has_drift_alert": False,
    }
    return pd.DataFrame([row]).astype(REGISTRY_COLUMNS)
