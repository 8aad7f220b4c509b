from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    pairwise_distances,
    silhouette_samples,
    silhouette_score,
)

from customer_segmentation.clustering import ModelInputError
from customer_segmentation.model_selection import (
    K_SELECTION_COLUMNS,
    adjusted_rand,
    bootstrap_stability,
    calinski_harabasz,
    choose_k,
    chord_distances,
    chosen_k,
    davies_bouldin,
    parse_n_clusters,
    sampled_silhouette,
    select_k,
    selection_messages,
    silhouette_from_distances,
    silhouette_sample,
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


def test_shared_silhouette_sample_gives_scikit_learns_value() -> None:
    """A sweep computes the sample's distances once for every k (silhouette_sample); each k's
    silhouette must still be silhouette_score's on the same seeded sample (within rounding:
    silhouette_from_distances adds the distances in another order)."""
    matrix, _ = messy()
    for size in (150, 10_000):  # a sample, and all rows
        sample = silhouette_sample(matrix, size, random_seed=5)
        assert sample[1] is not None
        assert (sample[0] is None) == (size >= len(matrix))
        for k in (2, 3, 6):
            labels = KMeans(n_clusters=k, n_init=1, random_state=k).fit_predict(matrix)
            shared, used = sampled_silhouette(matrix, labels, size, 5, sample)
            alone, _ = sampled_silhouette(matrix, labels, size, 5)
            sample_size = size if size < len(matrix) else None
            reference = silhouette_score(matrix, labels, sample_size=sample_size, random_state=5)
            assert used == min(size, len(matrix))
            assert shared == alone
            assert shared == pytest.approx(reference, rel=1e-12, abs=1e-15)


def test_silhouette_from_distances_is_scikit_learns_where_it_is_undefined_too() -> None:
    """Clusters of one (silhouette 0), duplicated rows (a = b = 0), two clusters, many."""
    rng = np.random.default_rng(3)
    matrix, _ = messy()
    cases = [
        (matrix, KMeans(n_clusters=7, n_init=1, random_state=0).fit_predict(matrix)),
        (np.array([[0.0], [0.0], [1.0], [5.0]]), np.array([0, 0, 1, 2])),  # singletons
        (np.array([[1.0, 1.0]] * 3 + [[2.0, 2.0]] * 3), np.array([0, 0, 0, 1, 1, 1])),
        (np.array([[1.0, 1.0]] * 4), np.array([0, 1, 0, 1])),  # every distance 0
        (rng.normal(size=(300, 5)), rng.integers(3, 9, size=300)),  # labels not 0..k-1
    ]
    for points, labels in cases:
        distances = pairwise_distances(points)
        expected = float(np.mean(silhouette_samples(points, labels)))
        assert silhouette_from_distances(distances, labels) == pytest.approx(
            expected, rel=1e-12, abs=1e-15
        )


def test_silhouette_sample_too_large_for_one_chunk_is_left_to_scikit_learn() -> None:
    from sklearn import config_context

    matrix, labels = messy()
    with config_context(working_memory=1):  # 1 MiB: 400 x 400 distances (1.2 MiB) do not fit
        indices, distances = silhouette_sample(matrix, 10_000, random_seed=5)
        assert indices is None and distances is None
        value, _ = sampled_silhouette(matrix, labels, 10_000, 5, (indices, distances))
    assert value == silhouette_score(matrix, labels)


def test_adjusted_rand_is_scikit_learns_to_the_last_bit() -> None:
    rng = np.random.default_rng(11)
    for trial in range(300):
        n = int(rng.integers(1, 200))
        true = rng.integers(0, int(rng.integers(1, 9)), size=n)
        pred = true.copy() if trial % 5 == 0 else rng.integers(0, int(rng.integers(1, 9)), size=n)
        assert adjusted_rand(true, pred) == adjusted_rand_score(true, pred)
    matrix, labels = messy()
    other = KMeans(n_clusters=4, n_init=1, random_state=0).fit_predict(matrix)
    assert adjusted_rand(labels, other) == adjusted_rand_score(labels, other)


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
    with pytest.raises(ModelInputError, match=r"k_selection.max \(2\) is smaller than"):
        select_k(frame, "auto", 3, 2, random_seed=1)
    with pytest.raises(ModelInputError) as error:
        select_k(frame, "auto", 1, 10, random_seed=1)
    assert str(error.value) == (
        "only 6 customers to fit but the k range goes up to 10 (vars "
        "k_selection.min..k_selection.max, and n_clusters when fixed): k-means needs more "
        "customers than clusters; lower k_selection.max (and n_clusters) to at most 5, e.g. "
        "--vars '{k_selection: {max: 5}}', or supply more customers"
    )
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


# --- stability, chosen-k columns and flags (issue 11) ---------------------------------------


def uniform_noise(n_features: int, n_rows: int = 400, seed: int = 0) -> pd.DataFrame:
    """Uniform noise in the unit cube: no clusters at all."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.uniform(size=(n_rows, n_features)), columns=[f"x{i}" for i in range(n_features)]
    )
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(n_rows)])
    return frame


def test_four_separated_blobs_give_four_with_no_flags() -> None:
    table = select_k(blobs(4), "auto", 1, 10, random_seed=0, n_init=3, n_bootstrap=5)
    assert chosen_k(table) == 4
    first = table.iloc[0]
    assert (first["knee_k"], first["silhouette_k"], first["stability_k"]) == (4, 4, 4)
    assert not first["no_elbow"] and not first["disagree"]
    stability = table.set_index("k")["stability"]
    assert stability[4] == pytest.approx(1.0)
    assert stability.drop([1, 4]).max() < 0.95  # merging or splitting blobs is unstable
    assert math.isnan(stability[1])
    assert (table["n_bootstrap"] == [0] + [5] * 9).all()
    assert table.set_index("k")["min_segment_share"][4] == pytest.approx(0.25)
    assert selection_messages(table) == []


@pytest.mark.parametrize("n_features", [4, 17])
def test_uniform_noise_has_no_elbow(n_features: int) -> None:
    table = select_k(uniform_noise(n_features), "auto", 1, 10, random_seed=0, n_bootstrap=2)
    assert table["no_elbow"].all()
    assert table["chord_distance"].max() < 0.25
    messages = selection_messages(table)
    assert ("warn", messages[-1][1]) == messages[-1]
    assert "no clear elbow" in messages[-1][1]


def test_bootstrap_stability_is_the_documented_resampling() -> None:
    """Independent re-implementation: the same resamples, fits, predictions and ARI."""
    frame = blobs(3, spread=2.5, seed=4)
    matrix = frame.sort_values("customer_id").drop(columns="customer_id").to_numpy()
    labels = KMeans(n_clusters=3, n_init=2, random_state=7).fit_predict(matrix)
    for sample_size in (None, 50):
        m = len(matrix) if sample_size is None else sample_size
        rng = np.random.RandomState(7)
        expected = []
        for b in range(4):
            rows = matrix[rng.randint(0, len(matrix), size=m)]
            fit = KMeans(n_clusters=3, n_init=2, random_state=7 + b + 1).fit(rows)
            expected.append(adjusted_rand_score(labels, fit.predict(matrix)))
        ours, used = bootstrap_stability(matrix, labels, 3, 4, 7, n_init=2, sample_size=sample_size)
        assert used == 4
        assert ours == pytest.approx(np.mean(expected), rel=1e-12)
    assert bootstrap_stability(matrix, labels, 1, 4, 7) == (pytest.approx(math.nan, nan_ok=True), 0)
    assert math.isnan(bootstrap_stability(matrix, labels, 3, 0, 7)[0])


def test_sweep_without_bootstrap_has_no_stability_and_min_share_is_the_smallest_cluster() -> None:
    frame = blobs(3, n_per_blob=40)
    sweep = sweep_k(frame, [2, 3], random_seed=0, n_init=2)
    assert sweep["stability"].isna().all() and (sweep["n_bootstrap"] == 0).all()
    assert sweep.set_index("k")["min_segment_share"][3] == pytest.approx(1 / 3)
    table = choose_k(sweep, 3)
    assert table["stability_k"].isna().all()
    with pytest.raises(ModelInputError, match=r"k_selection\.bootstrap must be an integer >= 0"):
        sweep_k(frame, [2], random_seed=0, n_bootstrap=-1)


def test_criteria_disagreement_is_flagged_and_worded() -> None:
    sweep = pd.DataFrame(
        {
            "k": [1, 2, 3, 4, 5],
            "wcss": [100.0, 40.0, 30.0, 25.0, 22.0],
            "silhouette": [math.nan, 0.50, 0.45, 0.30, 0.31],
            "stability": [math.nan, 0.80, 0.95, 0.94, 0.70],
        }
    )
    table = choose_k(sweep, None, silhouette_tolerance=0.1)
    first = table.iloc[0]
    # elbow 2; best silhouette 2; stability: 3 and 4 within 0.02 of the best -> the larger, 4
    assert (first["knee_k"], first["silhouette_k"], first["stability_k"]) == (2, 2, 4)
    assert first["disagree"] and chosen_k(table) == 2
    [(level, message), *_] = selection_messages(table)
    assert level == "warn"
    assert "criteria disagree (elbow k=2, best silhouette k=2, most stable k=4)" in message
    assert "n_clusters=auto chose k=2" in message
    fixed = selection_messages(choose_k(sweep, 3))
    assert fixed[0] == (
        "info",
        "k selection: the criteria disagree (elbow k=2, best silhouette k=2, most stable k=4);"
        " n_clusters is fixed at k=3.",
    )
    # a stricter stability tolerance picks the single most stable k
    assert choose_k(sweep, None, stability_tolerance=0.0)["stability_k"].iloc[0] == 3
    # a knee below the strength threshold is flagged
    assert choose_k(sweep, None, min_elbow_strength=0.9)["no_elbow"].all()
    with pytest.raises(ModelInputError, match=r"k_selection\.min_elbow_strength must be"):
        choose_k(sweep, None, min_elbow_strength=-1.0)


def independent_stability(matrix: np.ndarray, k: int, n_bootstrap: int, seed: int) -> float:
    """Bootstrap stability written from the documented definition (not the package's code):
    the sweep fit's labels, `n_bootstrap` seeded resamples with replacement, k-means refits with
    random_state seed + b + 1, every row predicted, mean ARI against the sweep labels."""
    labels = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(matrix).labels_
    draws = np.random.RandomState(seed)
    scores = []
    for b in range(n_bootstrap):
        rows = matrix[draws.randint(0, len(matrix), size=len(matrix))]
        refit = KMeans(n_clusters=k, n_init=3, random_state=seed + b + 1).fit(rows)
        scores.append(adjusted_rand_score(labels, refit.predict(matrix)))
    return float(np.mean(scores))


@pytest.mark.parametrize("data", ["blobs", "noise"])
def test_auto_k_and_stability_against_an_independent_bootstrap(data: str) -> None:
    """Known structure: four separated blobs are perfectly stable at the true k = 4 and every
    criterion picks 4; uniform noise has no stable partition, no elbow, and auto falls back on
    the silhouette rule. Stability equals the bootstrap re-implemented here for every k."""
    frame = blobs(4) if data == "blobs" else uniform_noise(4, n_rows=240)
    table = select_k(frame, "auto", 1, 6, random_seed=0, n_init=3, n_bootstrap=3).set_index("k")
    matrix = frame.sort_values("customer_id").drop(columns="customer_id").to_numpy()
    expected = {k: independent_stability(matrix, k, 3, seed=0) for k in range(2, 7)}
    print(data, {k: round(v, 4) for k, v in expected.items()})
    np.testing.assert_allclose(table.loc[2:, "stability"], list(expected.values()), rtol=1e-12)
    first = table.iloc[0]
    if data == "blobs":
        assert expected[4] == 1.0 and max(v for k, v in expected.items() if k != 4) < 0.95
        assert chosen_k(table.reset_index()) == 4
        assert (first["knee_k"], first["silhouette_k"], first["stability_k"]) == (4, 4, 4)
        assert not first["no_elbow"] and not first["disagree"]
    else:
        assert max(expected.values()) < 0.95  # no k reproduces its partition on noise
        assert first["no_elbow"]


@pytest.mark.parametrize(
    ("frame", "n_clusters"),
    [(blobs(4), "auto"), (blobs(3, spread=2.5, seed=4), "3"), (uniform_noise(5), "auto")],
)
def test_every_k_selection_table_keeps_its_invariants(frame: pd.DataFrame, n_clusters: str) -> None:
    """The row invariants the `k_selection` mart used to re-check with data tests on every build
    (moved here: they are properties of select_k, not of the data)."""
    table = select_k(frame, n_clusters, 1, 6, random_seed=1, n_init=2, n_bootstrap=2)
    assert table["k"].is_unique and table["is_chosen"].sum() == 1
    k1 = table[table["k"] == 1].iloc[0]
    assert math.isnan(k1["silhouette"]) and math.isnan(k1["davies_bouldin"])
    assert math.isnan(k1["calinski_harabasz"])
    rest = table[table["k"] > 1]
    assert rest[["silhouette", "davies_bouldin", "calinski_harabasz"]].notna().all().all()
    assert (rest["davies_bouldin"] >= 0).all() and (rest["calinski_harabasz"] > 0).all()
    stability = table["stability"].dropna()
    assert ((stability >= -1) & (stability <= 1)).all()
    assert (
        (table["min_segment_share"] >= 0) & (table["min_segment_share"] <= 1 / table["k"] + 1e-12)
    ).all()
    knee, silhouette, stable = (
        table[c].astype("Int64") for c in ("knee_k", "silhouette_k", "stability_k")
    )
    disagree = ((knee != silhouette) | (knee != stable) | (silhouette != stable)).fillna(False)
    assert (table["disagree"].astype(bool) == disagree.astype(bool)).all()
