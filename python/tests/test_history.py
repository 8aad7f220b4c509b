from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from customer_segmentation.history import (
    CENTROID_HISTORY_COLUMNS,
    REGISTRY_COLUMNS,
    HistoryError,
    assign_stable_ids,
    match_centroids,
    parse_max_distance,
    registry_row,
    silhouette_estimate,
)

FEATURES = ["a", "b"]


def brute_force_assignment(cost: np.ndarray) -> float:
    """Minimal total cost of a full matching of the smaller side (independent of scipy)."""
    rows, cols = cost.shape
    if rows <= cols:
        return min(
            sum(cost[r, c] for r, c in zip(range(rows), perm, strict=True))
            for perm in itertools.permutations(range(cols), rows)
        )
    return brute_force_assignment(cost.T)


def test_match_follows_a_permutation_of_slightly_moved_centroids() -> None:
    previous = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0], [5.0, 5.0]])
    previous_ids = np.array([1, 2, 3, 4])
    order = [2, 0, 3, 1]  # the new fit lists the same clusters in another order
    current = previous[order] + 0.1
    ids, distances, statuses = match_centroids(previous, previous_ids, current, next_id=5)
    assert ids.tolist() == [3, 1, 4, 2]
    assert statuses == ["matched"] * 4
    np.testing.assert_allclose(distances, np.sqrt(0.02))


def test_hungarian_beats_greedy_nearest_and_equals_brute_force() -> None:
    # Greedy (each current centroid takes its nearest free previous one, in order) would give
    # current 0 -> previous 0 (cost 1.0) and then current 1 -> previous 1 (cost 4.5): total 5.5.
    # The optimum is current 0 -> previous 1 (2.0) and current 1 -> previous 0 (1.5): total 3.5.
    previous = np.array([[0.0], [3.0]])
    current = np.array([[1.0], [-1.5]])
    ids, distances, _ = match_centroids(previous, np.array([1, 2]), current, next_id=3)
    assert ids.tolist() == [2, 1]
    assert distances.sum() == pytest.approx(3.5)
    rng = np.random.default_rng(0)
    for k_prev, k_cur in [(4, 4), (3, 5), (5, 3), (6, 6)]:
        prev = rng.normal(size=(k_prev, 3))
        cur = rng.normal(size=(k_cur, 3))
        _, dist, statuses = match_centroids(prev, np.arange(1, k_prev + 1), cur, next_id=99)
        cost = np.sqrt(((cur[:, None, :] - prev[None, :, :]) ** 2).sum(axis=2))
        assert np.nansum(dist) == pytest.approx(brute_force_assignment(cost))
        assert statuses.count("matched") == min(k_prev, k_cur)


def test_more_segments_get_new_ids_after_next_id_in_fit_order() -> None:
    previous = np.array([[0.0], [10.0]])
    current = np.array([[30.0], [10.2], [20.0], [0.1]])  # rows in the fit's size order
    ids, distances, statuses = match_centroids(previous, np.array([7, 3]), current, next_id=9)
    assert ids.tolist() == [9, 3, 10, 7]
    assert statuses == ["new", "matched", "new", "matched"]
    assert np.isnan(distances[[0, 2]]).all()


def test_fewer_segments_retire_the_ids_without_counterpart() -> None:
    previous = np.array([[0.0], [10.0], [20.0], [30.0]])
    current = np.array([[29.0], [0.5]])
    ids, _, statuses = match_centroids(previous, np.array([1, 2, 3, 4]), current, next_id=5)
    assert ids.tolist() == [4, 1]
    assert statuses == ["matched", "matched"]


def test_a_pair_beyond_max_distance_is_not_a_counterpart() -> None:
    previous = np.array([[0.0], [10.0]])
    current = np.array([[0.3], [14.0]])
    ids, distances, statuses = match_centroids(
        previous, np.array([1, 2]), current, next_id=3, max_distance=2.0
    )
    assert ids.tolist() == [1, 3]
    assert statuses == ["matched", "new"]
    assert distances[0] == pytest.approx(0.3)
    ids, _, _ = match_centroids(previous, np.array([1, 2]), current, next_id=3, max_distance=None)
    assert ids.tolist() == [1, 2]


def test_max_distance_maximizes_the_number_of_counterparts_first() -> None:
    # Plain minimal total distance would pair current 1 with previous 0 (0.1) and current 0 with
    # previous 1 (3.04, beyond the limit): one counterpart. Two counterparts are possible.
    previous = np.array([[0.0, 0.0], [1.95, -0.4330127]])
    current = np.array([[0.0, 1.9], [0.1, 0.0]])
    cost = np.sqrt(((current[:, None, :] - previous[None, :, :]) ** 2).sum(axis=2))
    assert cost[0, 1] + cost[1, 0] < cost[0, 0] + cost[1, 1]
    ids, distances, statuses = match_centroids(
        previous, np.array([1, 2]), current, next_id=3, max_distance=2.0
    )
    assert ids.tolist() == [1, 2]
    assert statuses == ["matched", "matched"]
    np.testing.assert_allclose(distances, [1.9, 1.9], rtol=1e-6)
    ids, _, _ = match_centroids(previous, np.array([1, 2]), current, next_id=3)
    assert ids.tolist() == [2, 1]


def test_match_rejects_bad_input() -> None:
    with pytest.raises(HistoryError, match="same number of features"):
        match_centroids(np.zeros((2, 2)), np.array([1, 2]), np.zeros((2, 3)), next_id=3)
    with pytest.raises(HistoryError, match="not unique"):
        match_centroids(np.zeros((2, 1)), np.array([1, 1]), np.zeros((2, 1)), next_id=3)
    with pytest.raises(HistoryError, match="max_distance must be positive"):
        match_centroids(np.zeros((1, 1)), np.array([1]), np.zeros((1, 1)), 2, max_distance=0)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), ("None", None), ("", None), ("2.5", 2.5), (3, 3.0)]
)
def test_parse_max_distance(value: object, expected: float | None) -> None:
    assert parse_max_distance(value) == expected


@pytest.mark.parametrize("value", ["-1", "0", "far", "nan", "inf", True])
def test_parse_max_distance_rejects_bad_values(value: object) -> None:
    with pytest.raises(HistoryError, match="segment_match_max_distance"):
        parse_max_distance(value)


# --- assign_stable_ids: the fit as the warehouse hands it over ---------------------------------


def fit_table(raw_centroids: np.ndarray, mean: np.ndarray, scale: np.ndarray, sizes) -> tuple:
    """ml_kmeans_centroids (z units of the given scaler) and int_feature_scaling_parameters."""
    z = (raw_centroids - mean) / scale
    rows = [
        {
            "segment_id": s + 1,
            "feature_name": f,
            "centroid_value": z[s, j],
            "n_fit_customers": sizes[s],
        }
        for s in range(len(z))
        for j, f in enumerate(FEATURES)
    ]
    scaling = pd.DataFrame({"feature_name": FEATURES, "feature_mean": mean, "feature_scale": scale})
    return pd.DataFrame(rows), scaling


def run_table(run_id: str, run_at: str) -> pd.DataFrame:
    return pd.DataFrame({"run_id": [run_id], "run_at": [pd.Timestamp(run_at)]})


RAW = np.array([[100.0, 1.0], [2000.0, 0.1], [500.0, 0.9]])


def first_run() -> pd.DataFrame:
    centroids, scaling = fit_table(
        RAW, np.array([600.0, 0.5]), np.array([700.0, 0.4]), [50, 30, 20]
    )
    return assign_stable_ids(centroids, scaling, run_table("r1", "2026-01-31"), None)


def test_first_run_keeps_the_fit_ids() -> None:
    history = first_run()
    assert list(history.columns) == list(CENTROID_HISTORY_COLUMNS)
    assert (history["segment_id"] == history["raw_segment_id"]).all()
    assert set(history["match_status"]) == {"first_run"}
    assert history["previous_run_id"].isna().all()
    raw = history.pivot(index="segment_id", columns="feature_name", values="centroid_raw_value")
    np.testing.assert_allclose(raw[FEATURES].to_numpy(), RAW, rtol=1e-12)


def test_refit_with_another_scaler_and_label_order_keeps_ids() -> None:
    history = first_run()
    # A month later: the clusters drifted a little, their sizes changed order, and the population
    # scaler is different, so the z coordinates of the same cluster differ between the runs.
    drifted = RAW[[2, 0, 1]] * np.array([1.05, 0.97])
    centroids, scaling = fit_table(
        drifted, np.array([800.0, 0.6]), np.array([900.0, 0.3]), [60, 25, 15]
    )
    result = assign_stable_ids(centroids, scaling, run_table("r2", "2026-02-28"), history)
    per_segment = result.drop_duplicates("raw_segment_id").set_index("raw_segment_id")
    assert per_segment["segment_id"].to_dict() == {1: 3, 2: 1, 3: 2}
    assert set(result["match_status"]) == {"matched"}
    assert set(result["previous_run_id"]) == {"r1"}
    # distance in the common space: both in raw units, standardized by the new scaler
    common_prev = (RAW[[2, 0, 1]] - np.array([800.0, 0.6])) / np.array([900.0, 0.3])
    common_cur = (drifted - np.array([800.0, 0.6])) / np.array([900.0, 0.3])
    expected = np.sqrt(((common_cur - common_prev) ** 2).sum(axis=1))
    np.testing.assert_allclose(per_segment.loc[[1, 2, 3], "match_distance"], expected, rtol=1e-9)


def test_common_scale_decides_when_the_scalers_differ() -> None:
    """Comparing z coordinates of different scalers directly would swap the ids."""
    previous_raw = np.array([[0.0, 0.0], [10.0, 0.0]])
    centroids, scaling = fit_table(previous_raw, np.array([0.0, 0.0]), np.array([1.0, 1.0]), [5, 5])
    history = assign_stable_ids(centroids, scaling, run_table("r1", "2026-01-31"), None)
    # The new population is centred at 10 with the same spread: new z of cluster 2 is 0, which
    # equals the OLD z of cluster 1. Matching raw-then-common keeps cluster 2 as segment 2.
    current_raw = np.array([[10.0, 0.0], [0.0, 0.0]])
    centroids, scaling = fit_table(current_raw, np.array([10.0, 0.0]), np.array([1.0, 1.0]), [5, 5])
    result = assign_stable_ids(centroids, scaling, run_table("r2", "2026-02-28"), history)
    mapping = result.drop_duplicates("raw_segment_id").set_index("raw_segment_id")["segment_id"]
    assert mapping.to_dict() == {1: 2, 2: 1}


def test_new_ids_start_after_every_id_ever_used_and_rebuilds_replace_the_run() -> None:
    history = first_run()
    # Run 2 has k = 2: segment 2 (2000, 0.1) has no counterpart and is retired.
    centroids, scaling = fit_table(
        RAW[[0, 2]], np.array([600.0, 0.5]), np.array([700.0, 0.4]), [60, 40]
    )
    second = assign_stable_ids(centroids, scaling, run_table("r2", "2026-02-28"), history)
    assert sorted(second["segment_id"].unique()) == [1, 3]
    history = pd.concat([history, second], ignore_index=True)
    # Run 3 has k = 3 again with a far-away cluster: it gets id 4, not the retired 2.
    far = np.vstack([RAW[[0, 2]], [[9000.0, 0.0]]])
    centroids, scaling = fit_table(far, np.array([600.0, 0.5]), np.array([700.0, 0.4]), [5, 4, 3])
    third = assign_stable_ids(centroids, scaling, run_table("r3", "2026-03-31"), history, 2.0)
    mapping = third.drop_duplicates("raw_segment_id").set_index("raw_segment_id")
    assert mapping["segment_id"].to_dict() == {1: 1, 2: 3, 3: 4}
    assert mapping["match_status"].to_dict() == {1: "matched", 2: "matched", 3: "new"}
    # Rebuilding run 3 (same run_at, rows already in the history) gives the same answer.
    again = assign_stable_ids(
        centroids, scaling, run_table("r3b", "2026-03-31"), pd.concat([history, third]), 2.0
    )
    pd.testing.assert_frame_equal(
        again.drop(columns="run_id"), third.drop(columns="run_id"), check_exact=False
    )


def test_out_of_order_runs_and_changed_features_fail_clearly() -> None:
    history = first_run()
    centroids, scaling = fit_table(RAW, np.array([600.0, 0.5]), np.array([700.0, 0.4]), [1, 1, 1])
    with pytest.raises(HistoryError, match="before the latest run in the history"):
        assign_stable_ids(centroids, scaling, run_table("r0", "2025-12-31"), history)
    renamed = centroids.replace({"feature_name": {"b": "c"}})
    scaling = scaling.replace({"feature_name": {"b": "c"}})
    with pytest.raises(HistoryError, match=r"feature list changed .*added: \['c'\]"):
        assign_stable_ids(renamed, scaling, run_table("r2", "2026-02-28"), history)
    with pytest.raises(HistoryError, match="no scaling parameters for features: c"):
        assign_stable_ids(renamed, scaling.iloc[:1], run_table("r2", "2026-02-28"), None)


def test_empty_inputs_give_an_empty_typed_table() -> None:
    empty = assign_stable_ids(
        pd.DataFrame(columns=["segment_id", "feature_name", "centroid_value"]),
        pd.DataFrame(columns=["feature_name", "feature_mean", "feature_scale"]),
        pd.DataFrame(columns=["run_id", "run_at"]),
        None,
    )
    assert empty.empty
    assert list(empty.columns) == list(CENTROID_HISTORY_COLUMNS)


# --- silhouette and the registry row -------------------------------------------------------


def test_silhouette_equals_scikit_learn_on_nearest_centroid_labels(blobs) -> None:
    sample, centroids = blobs
    points = sample[FEATURES].to_numpy()
    centers = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    labels = ((points[:, None, :] - centers[None]) ** 2).sum(axis=2).argmin(axis=1)
    score, used = silhouette_estimate(sample, centroids, sample_size=1000, random_state=0)
    assert used == 240
    assert score == pytest.approx(silhouette_score(points, labels), rel=1e-12)
    sub_score, used = silhouette_estimate(sample, centroids, sample_size=100, random_state=0)
    # the documented sample: 100 distinct rows (in customer id order) drawn by
    # numpy.random.default_rng(random_state), then kept in row order
    rows = np.sort(np.random.default_rng(0).choice(len(points), size=100, replace=False))
    assert used == 100
    assert sub_score == pytest.approx(silhouette_score(points[rows], labels[rows]), rel=1e-12)
    other, _ = silhouette_estimate(sample, centroids, sample_size=100, random_state=1)
    assert other != sub_score  # the seed chooses the sample
    one = centroids[centroids["segment_id"] == 1]
    assert silhouette_estimate(sample, one, 1000, 0) == (None, 240)


def test_registry_row_summarises_the_run(blobs) -> None:
    sample, centroids = blobs
    history = pd.DataFrame(
        {
            "run_id": ["r1"] * 4 + ["r2"] * 3,
            "segment_id": [1, 2, 3, 4, 1, 3, 5],
            "match_status": ["first_run"] * 4 + ["matched", "matched", "new"],
            "previous_run_id": [None] * 4 + ["r1"] * 3,
        }
    )
    run = pd.DataFrame(
        {
            "run_id": ["r2"],
            "run_at": [pd.Timestamp("2026-02-28")],
            "input_fingerprint": ["abc"],
            "n_input_customers": [240],
            "run_vars": ['{"n_clusters": 3, "as_of_date": "2026-02-28"}'],
        }
    )
    row = registry_row(run, centroids, history, sample, random_state=0).iloc[0]
    assert list(row.index) == list(REGISTRY_COLUMNS)
    assert row["segment_ids"] == "1,3,5"
    assert (row["n_matched_segments"], row["n_new_segments"], row["n_retired_segments"]) == (
        2,
        1,
        2,
    )
    assert row["retired_segment_ids"] == "2,4"
    assert row["previous_run_id"] == "r1"
    assert row["n_clusters"] == 3 and row["fit_inertia"] == 123.0 and row["n_fit_rows"] == 240
    points = sample[FEATURES].to_numpy()
    centers = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    labels = ((points[:, None, :] - centers[None]) ** 2).sum(axis=2).argmin(axis=1)
    assert row["silhouette"] == pytest.approx(silhouette_score(points, labels), rel=1e-12)
    assert row["silhouette_sample_size"] == 240
    assert row["feature_list"] == "a,b"
    assert json.loads(row["run_vars"]) == {"n_clusters": 3, "as_of_date": "2026-02-28"}
    with pytest.raises(HistoryError, match="run r9 is missing"):
        registry_row(run.assign(run_id="r9"), centroids, history, sample, random_state=0)
    empty = registry_row(run.iloc[:0], centroids, history, sample, random_state=0)
    assert empty.empty and list(empty.columns) == list(REGISTRY_COLUMNS)
