"""Fitting of the segmentation model: k-means centroids and PCA loadings.

The functions are pure: a DataFrame of standardized features in, a long table of fitted parameters
out. The warehouse scores customers in SQL from these tables (nearest centroid, PCA projection),
so the model never needs the full customer table in memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from customer_segmentation.sklearn_import import PCA, KMeans

ID_COLUMN = "customer_id"

CENTROID_COLUMNS = {
    "segment_id": "int64",
    "feature_name": "string",
    "centroid_value": "float64",
    "n_fit_customers": "int64",
    "n_fit_rows": "int64",
    "fit_inertia": "float64",
    "n_iterations": "int64",
    "random_seed": "int64",
}

PCA_COLUMNS = {
    "component": "int64",
    "feature_name": "string",
    "loading": "float64",
    "feature_mean": "float64",
    "explained_variance_ratio": "float64",
}


class ModelInputError(ValueError):
    """The data handed to the model cannot be fitted (too few rows, bad values, bad settings)."""


def _feature_matrix(features: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Rows ordered by customer id (fits do not depend on the order the warehouse returned)."""
    if ID_COLUMN in features.columns:
        features = features.sort_values(ID_COLUMN, kind="stable").drop(columns=ID_COLUMN)
    names = [str(c) for c in features.columns]
    if not names:
        raise ModelInputError("no feature columns: the model needs at least one feature")
    matrix = features.to_numpy(dtype=np.float64)
    if not np.isfinite(matrix).all():
        bad = [n for n, ok in zip(names, np.isfinite(matrix).all(axis=0), strict=True) if not ok]
        raise ModelInputError(f"features contain NULL/NaN/Inf after imputation: {', '.join(bad)}")
    return matrix, names


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def order_clusters(labels: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Map KMeans' arbitrary labels to segment ids 1..k, deterministically.

    Rule: the largest cluster (most fit customers) becomes segment 1, the next largest 2, and so
    on; equal sizes are ordered by their centroid coordinates (lexicographically). Returns an
    array ``segment_of_label`` with ``segment_of_label[label] == segment_id``.
    """
    k = centers.shape[0]
    sizes = np.bincount(labels, minlength=k)
    # np.lexsort sorts by the last key first: size descending, then coordinates ascending.
    keys = [centers[:, j] for j in reversed(range(centers.shape[1]))] + [-sizes]
    order = np.lexsort(keys)
    segment_of_label = np.empty(k, dtype=np.int64)
    segment_of_label[order] = np.arange(1, k + 1)
    return segment_of_label


def fit_kmeans(
    features: pd.DataFrame, n_clusters: int, random_seed: int, n_init: int = 10
) -> pd.DataFrame:
    """Fit k-means (k-means++ initialisation) and return one row per segment and feature.

    ``features`` holds standardized features (and optionally ``customer_id``). Output columns:
    see ``CENTROID_COLUMNS``; ``segment_id`` follows :func:`order_clusters`.
    """
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, int) or n_clusters < 1:
        raise ModelInputError(f"n_clusters must be a positive integer, got {n_clusters!r}")
    if len(features) == 0:  # `dbt run --empty` and empty inputs
        return _empty(CENTROID_COLUMNS)
    matrix, names = _feature_matrix(features)
    if matrix.shape[0] < n_clusters:
        raise ModelInputError(
            f"only {matrix.shape[0]} customers to fit but n_clusters = {n_clusters}: "
            "k-means needs at least as many customers as clusters"
        )
    # One OpenMP thread: scikit-learn's multi-threaded Lloyd step adds the threads' partial
    # sums in the order the threads finish, so the last bits of the centroids (and rarely a
    # label) could change from run to run. One thread makes the fit bit-for-bit reproducible.
    with threadpool_limits(limits=1, user_api="openmp"):
        model = KMeans(
            n_clusters=n_clusters, init="k-means++", n_init=n_init, random_state=random_seed
        ).fit(matrix)
    labels = np.asarray(model.labels_)
    centers = np.asarray(model.cluster_centers_)
    segment_of_label = order_clusters(labels, centers)
    sizes = np.bincount(labels, minlength=n_clusters)
    rows = [
        {
            "segment_id": int(segment_of_label[label]),
            "feature_name": name,
            "centroid_value": float(centers[label, j]),
            "n_fit_customers": int(sizes[label]),
        }
        for label in range(n_clusters)
        for j, name in enumerate(names)
    ]
    result = pd.DataFrame(rows)
    result["n_fit_rows"] = matrix.shape[0]
    result["fit_inertia"] = float(model.inertia_)
    result["n_iterations"] = int(model.n_iter_)
    result["random_seed"] = random_seed
    result = result.sort_values(["segment_id", "feature_name"], ignore_index=True)
    return result.astype(CENTROID_COLUMNS)


def fit_pca(features: pd.DataFrame, n_components: int = 2) -> pd.DataFrame:
    """Fit PCA and return one row per component and feature (loadings, centring mean, EVR).

    Sign convention (PCA axes have no natural sign): each component is flipped so that its
    largest-magnitude loading is positive. A customer's coordinate on component ``c`` is
    ``sum_f (x_f - feature_mean_f) * loading_cf``.
    """
    if isinstance(n_components, bool) or not isinstance(n_components, int) or n_components < 1:
        raise ModelInputError(f"n_components must be a positive integer, got {n_components!r}")
    if len(features) == 0:
        return _empty(PCA_COLUMNS)
    matrix, names = _feature_matrix(features)
    limit = min(matrix.shape)
    if n_components > limit:
        raise ModelInputError(
            f"n_components = {n_components} but the data allow at most {limit} "
            f"({matrix.shape[0]} customers, {matrix.shape[1]} features)"
        )
    pca = PCA(n_components=n_components, svd_solver="full").fit(matrix)
    loadings = np.asarray(pca.components_).copy()
    for c in range(n_components):
        if loadings[c, np.argmax(np.abs(loadings[c]))] < 0:
            loadings[c] = -loadings[c]
    rows = [
        {
            "component": c + 1,
            "feature_name": name,
            "loading": float(loadings[c, j]),
            "feature_mean": float(pca.mean_[j]),
            "explained_variance_ratio": float(pca.explained_variance_ratio_[c]),
        }
        for c in range(n_components)
        for j, name in enumerate(names)
    ]
    return pd.DataFrame(rows).astype(PCA_COLUMNS)
