from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

from customer_segmentation.clustering import (
    CENTROID_COLUMNS,
    PCA_COLUMNS,
    ModelInputError,
    fit_kmeans,
    fit_pca,
    order_clusters,
)


def blobs(n_per_blob: tuple[int, ...], seed: int = 0) -> pd.DataFrame:
    """Well-separated Gaussian blobs in 3-D with customer ids, shuffled."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0, 0, 0], [8, 0, 0], [0, 8, 0], [0, 0, 8], [8, 8, 8]], dtype=float)
    parts = [rng.normal(centers[i], 0.5, size=(n, 3)) for i, n in enumerate(n_per_blob)]
    matrix = np.vstack(parts)
    frame = pd.DataFrame(matrix, columns=["a", "b", "c"])
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(frame))])
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def test_order_clusters_largest_first_ties_by_coordinates() -> None:
    labels = np.array([0, 1, 1, 2, 2, 3, 3, 3])
    centers = np.array([[5.0], [2.0], [1.0], [0.0]])
    # sizes: label0=1, label1=2, label2=2, label3=3 -> label3 first; labels 1 and 2 tie on size,
    # label 2 has the smaller coordinate so it comes before label 1.
    assert order_clusters(labels, centers).tolist() == [4, 3, 2, 1]


def test_fit_kmeans_matches_scikit_learn_and_orders_by_size() -> None:
    frame = blobs((300, 200, 100, 50))
    result = fit_kmeans(frame, n_clusters=4, random_seed=42)
    assert list(result.columns) == list(CENTROID_COLUMNS)
    sizes = result.groupby("segment_id")["n_fit_customers"].first()
    assert sizes.tolist() == [300, 200, 100, 50]

    # Independent fit on the same ordered matrix: same centres and inertia.
    ordered = frame.sort_values("customer_id")[["a", "b", "c"]].to_numpy()
    reference = KMeans(n_clusters=4, n_init=10, random_state=42).fit(ordered)
    ours = result.pivot(index="segment_id", columns="feature_name", values="centroid_value")
    ours = ours[["a", "b", "c"]].to_numpy()
    ref_sorted = reference.cluster_centers_[np.argsort(-np.bincount(reference.labels_))]
    np.testing.assert_allclose(ours, ref_sorted, rtol=1e-12, atol=1e-12)
    assert result["fit_inertia"].iloc[0] == pytest.approx(reference.inertia_, rel=1e-12)
    assert (result["n_fit_rows"] == 650).all()


def test_fit_kmeans_does_not_depend_on_row_order() -> None:
    frame = blobs((120, 80, 60))
    first = fit_kmeans(frame, n_clusters=3, random_seed=7)
    second = fit_kmeans(frame.iloc[::-1], n_clusters=3, random_seed=7)
    pd.testing.assert_frame_equal(first, second)


def test_fit_kmeans_errors_are_clear() -> None:
    frame = blobs((3,))
    with pytest.raises(ModelInputError, match="only 3 customers to fit but n_clusters = 4"):
        fit_kmeans(frame, n_clusters=4, random_seed=1)
    with pytest.raises(ModelInputError, match="positive integer"):
        fit_kmeans(frame, n_clusters=0, random_seed=1)
    broken = blobs((10,))
    broken.loc[2, "b"] = np.nan
    with pytest.raises(ModelInputError, match="NULL/NaN/Inf after imputation: b"):
        fit_kmeans(broken, n_clusters=2, random_seed=1)


def test_empty_input_gives_empty_tables_with_schema() -> None:
    empty = blobs((1,)).iloc[0:0]
    assert list(fit_kmeans(empty, 4, 42).columns) == list(CENTROID_COLUMNS)
    assert list(fit_pca(empty, 2).columns) == list(PCA_COLUMNS)
    assert len(fit_kmeans(empty, 4, 42)) == 0


def test_fit_pca_matches_scikit_learn_up_to_sign_with_fixed_sign_rule() -> None:
    frame = blobs((200, 150, 100, 60))
    result = fit_pca(frame, n_components=2)
    matrix = frame.sort_values("customer_id")[["a", "b", "c"]].to_numpy()
    reference = PCA(n_components=2).fit(matrix)
    loadings = result.pivot(index="component", columns="feature_name", values="loading")
    loadings = loadings[["a", "b", "c"]].to_numpy()
    for c in range(2):
        # same axis, possibly flipped
        assert abs(np.dot(loadings[c], reference.components_[c])) == pytest.approx(1.0, abs=1e-10)
        assert loadings[c, np.argmax(np.abs(loadings[c]))] > 0
    evr = result.groupby("component")["explained_variance_ratio"].first().to_numpy()
    np.testing.assert_allclose(evr, reference.explained_variance_ratio_, rtol=1e-10)
    # Projection rule documented in the docstring reproduces scikit-learn's transform.
    means = result[result.component == 1].set_index("feature_name")["feature_mean"]
    projected = (matrix - means[["a", "b", "c"]].to_numpy()) @ loadings.T
    reference_projection = reference.transform(matrix)
    for c in range(2):
        sign = np.sign(np.dot(loadings[c], reference.components_[c]))
        np.testing.assert_allclose(projected[:, c], sign * reference_projection[:, c], atol=1e-9)


def test_fit_pca_rejects_too_many_components() -> None:
    with pytest.raises(ModelInputError, match="at most 3"):
        fit_pca(blobs((20,)), n_components=4)
