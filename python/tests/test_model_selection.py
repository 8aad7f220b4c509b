from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_samples,
    silhouette_score,
)

from customer_segmentation.clustering import ModelInputError
from customer_segmentation.model_selection import (
    K_SELECTION_COLUMNS,
    calinski_harabasz,
    choose_k,
    chord_distances,
    chosen_k,
    davies_bouldin,
    parse_n_clusters,
    sampled_silhouette,
    select_k,
    sweep_k,
)


def blobs(n_blobs: int, n_per_blob: int = 60, spread: float = 0.5, seed: int = 0) -> pd.DataFrame:
    """Well-separated Gaussian blobs in 4-D (origin and 10 x unit vectors), with customer ids."""
    rng = np.random.default_rng(seed)
    centers = np.vstack([np.zeros(4), 10.0 * np.eye(4)])[:n_blobs]
    matrix = np.vstack([rng.normal(c, spread, size=(n_per_blob, 4)) for c in centers])
    frame = pd.DataFrame(matrix, columns=["a", "b", "c", "d"])
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(frame))])
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def messy(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping data with uneven clusters: metrics are far from their limits."""
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(400, 5)) * np.array([1, 2, 0.5, 1, 3])
    labels = KMeans(n_clusters=5, n_init=2, random_state=seed).fit_predict(matrix)
    return matrix, labels


def test_davies_bouldin_and_calinski_harabasz_equal_scikit_learn() -> None:
    matrix, labels = messy()
    assert davies_bouldin(matrix, labels) == pytest.approx(
        davies_bouldin_score(matrix, labels), rel=1e-12
    )
    assert calinski_harabasz(matrix, labels) == pytest.approx(
        calinski_harabasz_score(matrix, labels), rel=1e-12
    )
    # labels that are not 0..k-1 and a cluster of one point
    odd = np.where(labels == 2, 7, labels)
    odd[0] = 11
    assert davies_bouldin(matrix, odd) == pytest.approx(
        davies_bouldin_score(matrix, odd), rel=1e-12
    )
    assert calinski_harabasz(matrix, odd) == pytest.approx(
        calinski_harabasz_score(matrix, odd), rel=1e-12
    )


def test_metrics_are_nan_where_undefined() -> None:
    matrix, _ = messy()
    one = np.zeros(len(matrix), dtype=int)
    assert math.isnan(davies_bouldin(matrix, one))
    assert math.isnan(calinski_harabasz(matrix, one))
    assert math.isnan(sampled_silhouette(matrix, one, 100, 0)[0])
    each_own = np.arange(len(matrix))
    assert math.isnan(calinski_harabasz(matrix, each_own))


def test_sampled_silhouette_is_scikit_learns_on_the_same_seeded_sample() -> None:
    matrix, labels = messy()
    ours, used = sampled_silhouette(matrix, labels, 150, random_seed=5)
    assert used == 150
    assert ours == pytest.approx(
        silhouette_score(matrix, labels, sample_size=150, random_state=5), rel=1e-12
    )
    # the whole data when the sample is larger; checked against the definition in NumPy
    full, used = sampled_silhouette(matrix, labels, 10_000, random_seed=5)
    assert used == len(matrix)
    distances = np.linalg.norm(matrix[:, None, :] - matrix[None, :, :], axis=2)
    values = []
    for i, label in enumerate(labels):
        same = labels == label
        a = distances[i, same].sum() / (same.sum() - 1)
        b = min(distances[i, labels == other].mean() for other in set(labels) - {label})
        values.append((b - a) / max(a, b))
    assert full == pytest.approx(np.mean(values), rel=1e-10)
    np.testing.assert_allclose(values, silhouette_samples(matrix, labels), rtol=1e-10)


def test_sweep_matches_independent_kmeans_runs() -> None:
    frame = blobs(3, seed=1)
    sweep = sweep_k(frame, [1, 2, 3, 4], random_seed=42, n_init=2, silhouette_sample_size=100)
    ordered = frame.sort_values("customer_id")[["a", "b", "c", "d"]].to_numpy()
    for row in sweep.itertuples():
        reference = KMeans(n_clusters=row.k, n_init=2, random_state=42).fit(ordered)
        assert row.wcss == pytest.approx(reference.inertia_, rel=1e-12)
        if row.k == 1:
            assert math.isnan(row.silhouette) and math.isnan(row.davies_bouldin)
            assert math.isnan(row.calinski_harabasz)
            continue
        expected = silhouette_score(ordered, reference.labels_, sample_size=100, random_state=42)
        assert row.silhouette == pytest.approx(expected, rel=1e-12)
        assert row.davies_bouldin == pytest.approx(
            davies_bouldin_score(ordered, reference.labels_), rel=1e-12
        )
        assert row.calinski_harabasz == pytest.approx(
            calinski_harabasz_score(ordered, reference.labels_), rel=1e-12
        )
    assert (sweep["silhouette_sample_size"] == 100).all()
    assert (sweep["n_fit_rows"] == 180).all()


def test_chord_distance_finds_the_knee() -> None:
    k = np.arange(1, 7, dtype=float)
    wcss = np.array([100.0, 40.0, 10.0, 8.0, 6.0, 5.0])
    distances = chord_distances(k, wcss)
    assert distances[0] == pytest.approx(0) and distances[-1] == pytest.approx(0)
    assert int(np.argmax(distances)) == 2  # k = 3
    # by hand: x = 0.4, y = (10 - 5) / 95 -> |x + y - 1| / sqrt 2
    assert distances[2] == pytest.approx(abs(0.4 + 5 / 95 - 1) / math.sqrt(2))
    assert np.isnan(chord_distances(k[:2], wcss[:2])).all()


@pytest.mark.parametrize("n_blobs", [2, 3, 4, 5])
def test_auto_picks_the_number_of_well_separated_blobs(n_blobs: int) -> None:
    table = select_k(blobs(n_blobs, seed=n_blobs), "auto", 1, 10, random_seed=42)
    assert chosen_k(table) == n_blobs
    chosen = table[table["is_chosen"]].iloc[0]
    assert chosen["is_elbow"] and chosen["selection_rule"] == "auto: elbow"
    assert chosen["silhouette"] == table["silhouette"].max()


def sweep_table(wcss: list[float], silhouette: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": range(1, len(wcss) + 1),
            "wcss": wcss,
            "silhouette": silhouette,
            "davies_bouldin": np.nan,
            "calinski_harabasz": np.nan,
            "silhouette_sample_size": 10,
            "n_fit_rows": 10,
            "n_init": 1,
            "n_iterations": 1,
            "random_seed": 0,
        }
    )


def test_silhouette_check_moves_a_poor_elbow_to_the_nearest_good_k() -> None:
    wcss = [100.0, 40.0, 10.0, 8.0, 6.0, 5.0]  # elbow at k = 3
    kept = choose_k(sweep_table(wcss, [np.nan, 0.50, 0.45, 0.3, 0.2, 0.1]), None, 0.1)
    assert chosen_k(kept) == 3 and kept["selection_rule"].iloc[0] == "auto: elbow"
    # k = 3 is 0.3 below the best (k = 5), k = 4 and 5 are within 0.1: the nearer, 4, wins
    moved = choose_k(sweep_table(wcss, [np.nan, 0.2, 0.3, 0.55, 0.6, 0.1]), None, 0.1)
    assert chosen_k(moved) == 4
    assert moved["selection_rule"].iloc[0] == "auto: elbow corrected by silhouette"
    assert int(moved.loc[moved["is_elbow"], "k"].iloc[0]) == 3
    # equal distance on both sides: the smaller k
    tie = choose_k(sweep_table(wcss, [np.nan, 0.55, 0.1, 0.55, 0.3, 0.1]), None, 0.1)
    assert chosen_k(tie) == 2


def test_fixed_k_is_chosen_and_evaluated_even_outside_the_range() -> None:
    frame = blobs(3, seed=2)
    table = select_k(frame, "5", 2, 4, random_seed=1)
    assert table["k"].tolist() == [2, 3, 4, 5]
    assert chosen_k(table) == 5
    assert (table["selection_rule"] == "fixed: n_clusters").all()
    assert list(table.columns) == list(K_SELECTION_COLUMNS)
    assert table.dtypes.astype(str).to_dict() == {
        name: ("bool" if dtype == "bool" else dtype) for name, dtype in K_SELECTION_COLUMNS.items()
    }


def test_empty_input_gives_an_empty_table_with_the_schema() -> None:
    table = select_k(blobs(2).iloc[0:0], "auto", 1, 10, random_seed=1)
    assert table.empty and list(table.columns) == list(K_SELECTION_COLUMNS)


@pytest.mark.parametrize(
    ("value", "expected"), [("auto", None), (" AUTO ", None), ("4", 4), (7, 7), ("3.0", 3)]
)
def test_parse_n_clusters(value: object, expected: int | None) -> None:
    assert parse_n_clusters(value) == expected


@pytest.mark.parametrize("value", ["four", "0", "-2", "2.5", "", None, "nan"])
def test_parse_n_clusters_rejects_bad_values(value: object) -> None:
    with pytest.raises(ModelInputError, match="n_clusters must be 'auto' or a positive integer"):
        parse_n_clusters(value)


def test_bad_settings_fail_with_clear_messages() -> None:
    frame = blobs(2, n_per_blob=3)
    with pytest.raises(ModelInputError, match=r"k_selection_max \(2\) is smaller than"):
        select_k(frame, "auto", 3, 2, random_seed=1)
    with pytest.raises(
        ModelInputError, match="only 6 customers to fit but the k range goes up to 10"
    ):
        select_k(frame, "auto", 1, 10, random_seed=1)
    with pytest.raises(ModelInputError, match="needs a k range of at least 3 values"):
        select_k(frame, "auto", 2, 3, random_seed=1)
    with pytest.raises(ModelInputError, match="n_init must be a positive integer"):
        sweep_k(frame, [1, 2], random_seed=1, n_init=0)
    with pytest.raises(ModelInputError, match="silhouette tolerance"):
        choose_k(sweep_table([3.0, 2.0, 1.0], [np.nan, 0.1, 0.2]), None, -1)
    with pytest.raises(ModelInputError, match="exactly one k as chosen, got 0"):
        chosen_k(pd.DataFrame({"k": [1, 2], "is_chosen": [False, False]}))


def test_sweep_sample_size_reduces_a_large_input_deterministically() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    frame.insert(0, "customer_id", [f"C{i:04d}" for i in range(600)])
    first = select_k(frame, 3, 1, 4, random_seed=5, sweep_sample_size=200)
    shuffled = select_k(frame.sample(frac=1.0, random_state=1), 3, 1, 4, 5, sweep_sample_size=200)
    assert (first["n_fit_rows"] == 200).all()
    pd.testing.assert_frame_equal(first, shuffled)
    full = select_k(frame, 3, 1, 4, random_seed=5)
    assert (full["n_fit_rows"] == 600).all()
