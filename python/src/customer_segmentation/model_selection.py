"""Choosing the number of segments k: a k-means sweep with quality metrics and the auto-k rule.

:func:`sweep_k` fits k-means for every k of a range on the (standardized) fit sample and measures
each fit: WCSS (scikit-learn's ``inertia_``), silhouette (on a seeded sample), Davies-Bouldin and
Calinski-Harabasz. :func:`choose_k` marks the k the segmentation uses: a fixed number, or with
``"auto"`` the elbow of the WCSS curve checked against the silhouette (see :func:`choose_k`).
:func:`select_k` does both and returns the table behind the ``k_selection`` mart.

Davies-Bouldin and Calinski-Harabasz are computed here in NumPy from the labels (they are cheap,
O(n k)); the tests check them against ``sklearn.metrics``. The silhouette is scikit-learn's
``silhouette_score`` on a seeded sample (its cost grows with the square of the sample size).

Each k also gets a bootstrap stability (:func:`bootstrap_stability`) and the share of its
smallest segment; :func:`choose_k` adds the k each criterion points at (``knee_k``,
``silhouette_k``, ``stability_k``) and two flags: ``no_elbow`` (the WCSS curve has no clear knee)
and ``disagree`` (the criteria point at different k). :func:`selection_messages` words the
choice for the build log.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from customer_segmentation.clustering import ID_COLUMN, ModelInputError, _empty, _feature_matrix
from customer_segmentation.sklearn_import import (
    KMeans,
    get_config,
    pairwise_distances,
    silhouette_score,
)

K_SELECTION_COLUMNS = {
    "k": "int64",
    "wcss": "float64",
    "silhouette": "float64",
    "davies_bouldin": "float64",
    "calinski_harabasz": "float64",
    "silhouette_sample_size": "int64",
    "n_fit_rows": "int64",
    "n_init": "int64",
    "n_iterations": "int64",
    "random_seed": "int64",
    "stability": "float64",
    "n_bootstrap": "int64",
    "min_segment_share": "float64",
    "chord_distance": "float64",
    "is_elbow": "bool",
    "is_chosen": "bool",
    "selection_rule": "string",
    "knee_k": "Int64",
    "silhouette_k": "Int64",
    "stability_k": "Int64",
    "no_elbow": "bool",
    "disagree": "bool",
}

#: Defaults of the settings k_selection.min_elbow_strength and k_selection.stability_tolerance
#: (measured largest chord distances, k = 1..10: 4 separated blobs 0.47, 4 Hamming archetypes
#: 0.34, CC GENERAL 0.20, uniform noise in 4 / 17 dimensions 0.21 / 0.13).
DEFAULT_MIN_ELBOW_STRENGTH = 0.25
DEFAULT_STABILITY_TOLERANCE = 0.02


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ModelInputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def parse_n_clusters(value: object) -> int | None:
    """``"auto"`` -> None (choose k from the sweep); a positive whole number -> that k.

    Accepts the strings dbt hands to Python models (``"4"``, ``"auto"``).
    """
    text = str(value).strip().lower()
    if text == "auto":
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number != int(number) or number < 1:
        raise ModelInputError(f"n_clusters must be 'auto' or a positive integer, got {value!r}")
    return int(number)


def davies_bouldin(matrix: np.ndarray, labels: np.ndarray) -> float:
    """Davies-Bouldin index (lower is better); NaN when undefined (fewer than 2 clusters).

    Mean over clusters i of max over j != i of (s_i + s_j) / d(c_i, c_j), where c is the mean
    of a cluster's points and s the mean distance of its points to c.
    """
    clusters = np.unique(labels)
    if len(clusters) < 2:
        return math.nan
    centers = np.array([matrix[labels == c].mean(axis=0) for c in clusters])
    spread = np.array(
        [
            np.linalg.norm(matrix[labels == c] - center, axis=1).mean()
            for c, center in zip(clusters, centers, strict=True)
        ]
    )
    separation = np.linalg.norm(centers[:, None, :] - centers[None, :, :], axis=2)
    if np.allclose(spread, 0) or np.allclose(separation, 0):
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (spread[:, None] + spread[None, :]) / separation
    ratio[~np.isfinite(ratio)] = 0.0  # identical centres: scikit-learn's convention
    np.fill_diagonal(ratio, 0.0)
    return float(ratio.max(axis=1).mean())


def calinski_harabasz(matrix: np.ndarray, labels: np.ndarray) -> float:
    """Calinski-Harabasz index (higher is better); NaN when undefined (k < 2 or k >= n).

    (between-cluster dispersion / (k - 1)) / (within-cluster dispersion / (n - k)); a perfect
    clustering (no within-cluster dispersion) gives 1.0 as in scikit-learn.
    """
    clusters = np.unique(labels)
    n, k = matrix.shape[0], len(clusters)
    if k < 2 or k >= n:
        return math.nan
    overall = matrix.mean(axis=0)
    between = 0.0
    within = 0.0
    for c in clusters:
        points = matrix[labels == c]
        center = points.mean(axis=0)
        between += len(points) * float(((center - overall) ** 2).sum())
        within += float(((points - center) ** 2).sum())
    if within == 0.0:
        return 1.0
    return float(between * (n - k) / (within * (k - 1)))


@cache
def _threadpools() -> ThreadpoolController:
    """threadpoolctl's view of the loaded thread pools, inspected once per process (each
    ``threadpool_limits(...)`` call inspects every loaded library again: ~15 ms)."""
    return ThreadpoolController()


def one_openmp_thread() -> Any:
    """A context manager that runs scikit-learn's OpenMP code on one thread (see sweep_k)."""
    return _threadpools().limit(limits=1, user_api="openmp")


def silhouette_sample(
    matrix: np.ndarray, sample_size: int, random_seed: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The seeded silhouette sample of :func:`sampled_silhouette`, shared by every k of a sweep:
    ``(row indices or None for all rows, pairwise euclidean distances of those rows or None)``.

    The distances are computed once here instead of once per k: they are exactly the matrix
    ``silhouette_score`` computes inside (scikit-learn's ``pairwise_distances`` of the sample,
    in one chunk), and each k's silhouette is :func:`silhouette_from_distances` of them. They
    are kept only when scikit-learn would hold them in one piece too (``working_memory``); a
    larger sample is left to ``silhouette_score``, which works through it chunk by chunk.
    """
    n = matrix.shape[0]
    used = min(sample_size, n)
    indices = np.random.RandomState(random_seed).permutation(n)[:used] if used < n else None
    if used * used * 8 > get_config()["working_memory"] * 2**20:
        return indices, None
    rows = matrix if indices is None else matrix[indices]
    return indices, pairwise_distances(rows)


def sampled_silhouette(
    matrix: np.ndarray,
    labels: np.ndarray,
    sample_size: int,
    random_seed: int,
    sample: tuple[np.ndarray | None, np.ndarray | None] | None = None,
) -> tuple[float, int]:
    """Mean silhouette on a seeded sample of ``sample_size`` rows (all rows when fewer).

    Returns ``(silhouette, rows used)``; the silhouette is NaN when undefined (the rows used hold
    fewer than 2 or as many clusters as rows). Same sample as
    ``sklearn.metrics.silhouette_score(..., sample_size=sample_size, random_state=random_seed)``.
    ``sample`` is :func:`silhouette_sample` of the same matrix, size and seed (a sweep computes
    it once for all k); without it the sample is drawn here.
    """
    n = matrix.shape[0]
    used = min(sample_size, n)
    indices, distances = (
        silhouette_sample(matrix, sample_size, random_seed) if sample is None else sample
    )
    if indices is not None:
        matrix, labels = matrix[indices], labels[indices]
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels >= used:
        return math.nan, used
    if distances is None:
        return float(silhouette_score(matrix, labels)), used
    return silhouette_from_distances(distances, labels), used


def silhouette_from_distances(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette from the pairwise distances of the rows: scikit-learn's formula
    (``silhouette_samples(distances, labels, metric="precomputed")``, then the mean), with the
    per-cluster sums of every row's distances taken in one matrix product with the cluster
    indicator matrix instead of one ``np.bincount`` per row, and without re-validating the
    n x n matrix for every k. Equal to scikit-learn's within rounding (the sums are added in
    another order; python/tests/test_model_selection.py checks 1e-12): a = mean distance to the
    other members of the row's cluster, b = smallest mean distance to another cluster,
    s = (b - a) / max(a, b), and 0 where that is undefined (a cluster of one, a = b = 0)."""
    _, codes = np.unique(labels, return_inverse=True)
    rows = np.arange(codes.shape[0])
    counts = np.bincount(codes)
    indicator = np.zeros((rows.shape[0], counts.shape[0]))
    indicator[rows, codes] = 1.0
    with _threadpools().limit(limits=1, user_api="blas"):  # small product: no thread hand-offs
        sums = distances @ indicator  # (n, clusters): each row's summed distance per cluster
    with np.errstate(divide="ignore", invalid="ignore"):
        within = sums[rows, codes] / (counts[codes] - 1)
        means = sums / counts
        means[rows, codes] = np.inf
        between = means.min(axis=1)
        values = (between - within) / np.maximum(within, between)
    return float(np.mean(np.nan_to_num(values)))


def adjusted_rand(labels_true: np.ndarray, labels_pred: np.ndarray) -> float:
    """``sklearn.metrics.adjusted_rand_score`` for labels that are small integers >= 0 (k-means
    labels), to the last bit: the same pair confusion matrix, counted exactly in int64 from a
    dense contingency table (``np.bincount``) instead of a validated sparse one, then the same
    formula. A bootstrap scores one pair of labelings per resample and k (50 by default), where
    scikit-learn's input checks cost more than the counting."""
    true = np.asarray(labels_true, dtype=np.int64)
    pred = np.asarray(labels_pred, dtype=np.int64)
    n_samples = np.int64(true.shape[0])
    n_pred = int(pred.max()) + 1 if len(pred) else 1
    n_true = int(true.max()) + 1 if len(true) else 1
    contingency = np.bincount(true * n_pred + pred, minlength=n_true * n_pred)
    contingency = contingency.reshape(n_true, n_pred).astype(np.int64)
    n_c = contingency.sum(axis=1)
    n_k = contingency.sum(axis=0)
    sum_squares = (contingency**2).sum()
    fp = int(contingency.dot(n_k).sum() - sum_squares)
    fn = int(contingency.T.dot(n_c).sum() - sum_squares)
    tp = int(sum_squares - n_samples)
    tn = int(n_samples**2 - fp - fn - sum_squares)
    if fn == 0 and fp == 0:  # scikit-learn's special cases: full agreement, empty input
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def bootstrap_stability(
    matrix: np.ndarray,
    labels: np.ndarray,
    k: int,
    n_bootstrap: int,
    random_seed: int,
    n_init: int = 3,
    sample_size: int | None = None,
) -> tuple[float, int]:
    """Bootstrap stability of a k-means fit: mean adjusted Rand index over ``n_bootstrap`` refits.

    ``labels`` are the labels of the fit on all n rows of ``matrix`` (the sweep sample). With
    m = min(n, ``sample_size``) (m = n when ``sample_size`` is None), for
    b = 0 .. n_bootstrap - 1:

    1. resample: draw m row indices uniformly with replacement, from
       ``numpy.random.RandomState(random_seed)`` (so resample b is the same for every k; m = n
       is the classic bootstrap, m < n the "m-out-of-n" bootstrap, which bounds the cost);
    2. fit k-means (k-means++, ``n_init`` restarts, ``random_state = random_seed + b + 1``) on
       the resampled rows;
    3. predict (nearest centroid) the label of every row of ``matrix``, resampled or not;
    4. score: ``adjusted_rand_score(labels, predicted)``, computed by :func:`adjusted_rand` (1 =
       the same partition up to the naming of the clusters, about 0 = no better than chance).

    Returns ``(mean ARI, resamples used)``. A resample with fewer distinct rows than k is
    skipped (k-means cannot place k centres). NaN for k = 1 (one cluster is trivially stable)
    and when no resample was used (``n_bootstrap`` = 0).
    """
    if k < 2 or n_bootstrap < 1:
        return math.nan, 0
    n = matrix.shape[0]
    m = n if sample_size is None else min(n, _positive_int(sample_size, "sample_size"))
    rng = np.random.RandomState(random_seed)
    scores = []
    for b in range(n_bootstrap):
        indices = rng.randint(0, n, size=m)
        if len(np.unique(indices)) < k:
            continue
        model = KMeans(
            n_clusters=k, init="k-means++", n_init=n_init, random_state=random_seed + b + 1
        )
        model.fit(matrix[indices])
        scores.append(adjusted_rand(labels, model.predict(matrix)))
    if not scores:
        return math.nan, 0
    return float(np.mean(scores)), len(scores)


def too_few_customers_message(n_customers: int, k_max: int) -> str:
    """The error for a fit sample smaller than the largest k to fit, naming the settings."""
    largest = n_customers - 1
    fix = (
        f"lower k_selection.max (and n_clusters) to at most {largest}, e.g. "
        f"--vars '{{k_selection: {{max: {largest}}}}}', or supply more customers"
        if largest >= 2
        else "supply more customers"
    )
    return (
        f"only {n_customers} customers to fit but the k range goes up to {k_max} "
        "(vars k_selection.min..k_selection.max, and n_clusters when fixed): k-means needs "
        f"more customers than clusters; {fix}"
    )


def sweep_k(
    features: pd.DataFrame,
    k_values: list[int],
    random_seed: int,
    n_init: int = 3,
    silhouette_sample_size: int = 5000,
    on_k_done: Callable[[int], None] | None = None,
    n_bootstrap: int = 0,
    bootstrap_sample_size: int | None = None,
) -> pd.DataFrame:
    """Fit k-means (k-means++, ``n_init`` restarts, ``random_seed``) for every k and measure it.

    ``on_k_done(k)`` is called after each k (progress reporting).

    ``features`` holds standardized features (and optionally ``customer_id``; rows are ordered
    by it, as in :func:`customer_segmentation.clustering.fit_kmeans`). One row per k with the
    columns ``k, wcss, silhouette, davies_bouldin, calinski_harabasz, silhouette_sample_size,
    n_fit_rows, n_init, n_iterations, random_seed, stability, n_bootstrap, min_segment_share``;
    undefined metrics (k = 1) are NaN. ``stability`` is :func:`bootstrap_stability` with
    ``n_bootstrap`` resamples of ``bootstrap_sample_size`` rows (NaN when 0);
    ``min_segment_share`` is the share of the rows in the fit's smallest cluster.
    """
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, int | np.integer):
        raise ModelInputError(f"k_selection.bootstrap must be an integer >= 0, got {n_bootstrap!r}")
    if n_bootstrap < 0:
        raise ModelInputError(f"k_selection.bootstrap must be an integer >= 0, got {n_bootstrap!r}")
    n_init = _positive_int(n_init, "n_init")
    silhouette_sample_size = _positive_int(
        silhouette_sample_size, "diagnostics.silhouette_sample_size"
    )
    if silhouette_sample_size < 2:
        raise ModelInputError("diagnostics.silhouette_sample_size must be at least 2")
    k_values = sorted({_positive_int(k, "k") for k in k_values})
    if not k_values:
        raise ModelInputError("no k to evaluate: the k range is empty")
    matrix, _ = _feature_matrix(features)
    if matrix.shape[0] < k_values[-1]:
        raise ModelInputError(too_few_customers_message(matrix.shape[0], k_values[-1]))
    rows = []
    sample = silhouette_sample(matrix, silhouette_sample_size, random_seed)
    for k in k_values:
        # One OpenMP thread, as the final fit (clustering.fit_kmeans): bit-for-bit reproducible,
        # and many small fits on a busy 2-core machine ran 5x faster than with two spinning
        # OpenMP threads.
        with one_openmp_thread():
            model = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=random_seed)
            model.fit(matrix)
        labels = np.asarray(model.labels_)
        silhouette, used = sampled_silhouette(
            matrix, labels, silhouette_sample_size, random_seed, sample
        )
        with one_openmp_thread():
            stability, n_used = bootstrap_stability(
                matrix, labels, k, int(n_bootstrap), random_seed, n_init, bootstrap_sample_size
            )
        sizes = np.bincount(labels, minlength=k)
        rows.append(
            {
                "k": k,
                "wcss": float(model.inertia_),
                "silhouette": silhouette,
                "davies_bouldin": davies_bouldin(matrix, labels),
                "calinski_harabasz": calinski_harabasz(matrix, labels),
                "silhouette_sample_size": used,
                "n_fit_rows": matrix.shape[0],
                "n_init": n_init,
                "n_iterations": int(model.n_iter_),
                "random_seed": random_seed,
                "stability": stability,
                "n_bootstrap": n_used,
                "min_segment_share": float(sizes.min() / matrix.shape[0]),
            }
        )
        if on_k_done is not None:
            on_k_done(k)
    return pd.DataFrame(rows)


def chord_distances(k: np.ndarray, wcss: np.ndarray) -> np.ndarray:
    """Distance of each point of the WCSS curve to the chord joining its first and last point.

    Both axes are first scaled to [0, 1] (k over the range, WCSS between its last and first
    value), so the result does not depend on the units. NaN when the curve is flat or has fewer
    than 3 points.
    """
    if len(k) < 3 or k[-1] == k[0] or wcss[0] == wcss[-1]:
        return np.full(len(k), np.nan)
    x = (k - k[0]) / (k[-1] - k[0])
    y = (wcss - wcss[-1]) / (wcss[0] - wcss[-1])
    # chord from (0, 1) to (1, 0): x + y - 1 = 0
    strength: np.ndarray = np.abs(x + y - 1.0) / math.sqrt(2.0)
    return strength


def _criterion_k(k: pd.Series, score: pd.Series, tolerance: float, prefer_larger: bool) -> object:
    """The k with the best (largest) finite ``score``; among the k within ``tolerance`` of the
    best, the largest (``prefer_larger``) or the smallest. ``pd.NA`` when no score is finite."""
    finite = score.notna() & np.isfinite(score.astype(float))
    if not finite.any():
        return pd.NA
    best = float(score[finite].max())
    candidates = k[finite & (score >= best - tolerance)]
    return int(candidates.max() if prefer_larger else candidates.min())


def _typed(result: pd.DataFrame) -> pd.DataFrame:
    """The k_selection columns present in ``result``, in order and with their types."""
    columns = {name: dtype for name, dtype in K_SELECTION_COLUMNS.items() if name in result}
    return result[list(columns)].astype(columns)


def choose_k(
    sweep: pd.DataFrame,
    n_clusters: int | None,
    silhouette_tolerance: float = 0.1,
    min_elbow_strength: float = DEFAULT_MIN_ELBOW_STRENGTH,
    stability_tolerance: float = DEFAULT_STABILITY_TOLERANCE,
) -> pd.DataFrame:
    """Add the elbow diagnostics, the k of each criterion, the flags and the chosen k to a sweep.

    Columns added: ``chord_distance``, ``is_elbow``, ``is_chosen``, ``selection_rule``,
    ``knee_k``, ``silhouette_k``, ``stability_k``, ``no_elbow``, ``disagree`` (the last five are
    the same on every row). A sweep without ``stability`` / ``n_bootstrap`` /
    ``min_segment_share`` columns gets them as NaN / 0 / NaN.

    The criteria:

    - ``knee_k``: the elbow, the k whose point of the WCSS curve lies farthest from the chord
      joining the curve's first and last point (both axes scaled to [0, 1]); ties to the smaller
      k. ``is_elbow`` marks it.
    - ``silhouette_k``: the k with the highest silhouette (ties to the smaller k).
    - ``stability_k``: the largest k whose bootstrap stability is at most
      ``stability_tolerance`` below the highest stability of the sweep (k >= 2; stability
      favours few clusters, so among equally stable k the finer segmentation is preferred).
    - ``no_elbow``: the largest chord distance is below ``min_elbow_strength`` (or undefined:
      fewer than 3 k or a flat curve). On a scaled curve the chord distance of a knee at
      x = (k - k_min) / (k_max - k_min) is at most (1 - x) / sqrt(2); data without structure
      lose WCSS almost linearly in k (distance near 0), well-separated groups give a sharp
      knee (0.47 for 4 groups and k = 1..10).
    - ``disagree``: the defined criteria among ``knee_k``, ``silhouette_k``, ``stability_k``
      point at more than one k.

    Fixed k (``n_clusters`` a number): that k is chosen (it must be in the sweep).

    Auto (``n_clusters`` None), over the sweep's k (k >= 1, sorted):

    1. Elbow: ``knee_k``.
    2. Silhouette check: the elbow is kept when its silhouette is at most
       ``silhouette_tolerance`` below the best silhouette of the sweep. Otherwise the chosen k is
       the one closest to the elbow among those within the tolerance of the best (ties to the
       smaller k).

    Stability and ``no_elbow`` do not change the choice; they are reported (and
    :func:`selection_messages` says when the criteria disagree). The auto rule needs at least 3
    values of k including one >= 2.
    """
    if not math.isfinite(silhouette_tolerance) or silhouette_tolerance < 0:
        raise ModelInputError(
            f"silhouette tolerance must be a number >= 0, got {silhouette_tolerance!r}"
        )
    for name, value in (
        ("k_selection.min_elbow_strength", min_elbow_strength),
        ("k_selection.stability_tolerance", stability_tolerance),
    ):
        if not math.isfinite(value) or value < 0:
            raise ModelInputError(f"{name} must be a number >= 0, got {value!r}")
    result = sweep.sort_values("k", ignore_index=True).copy()
    for column, default in (("stability", math.nan), ("n_bootstrap", 0)):
        if column not in result.columns:
            result[column] = default
    if "min_segment_share" not in result.columns:
        result["min_segment_share"] = math.nan
    k = result["k"].to_numpy(dtype=float)
    result["chord_distance"] = chord_distances(k, result["wcss"].to_numpy(dtype=float))
    distances = result["chord_distance"].to_numpy()
    result["is_elbow"] = False
    knee: object = pd.NA
    if np.isfinite(distances).any():
        elbow_row = int(np.nanargmax(distances))  # first max = smaller k
        result.loc[elbow_row, "is_elbow"] = True
        knee = int(result.loc[elbow_row, "k"])
    strength = float(np.nanmax(distances)) if np.isfinite(distances).any() else math.nan
    result["knee_k"] = knee
    result["silhouette_k"] = _criterion_k(
        result["k"], result["silhouette"], 0.0, prefer_larger=False
    )
    result["stability_k"] = _criterion_k(
        result["k"], result["stability"], stability_tolerance, prefer_larger=True
    )
    result["no_elbow"] = not strength >= min_elbow_strength
    candidates: tuple[Any, ...] = (
        knee,
        result["silhouette_k"].iloc[0],
        result["stability_k"].iloc[0],
    )
    pointed = {int(value) for value in candidates if value is not pd.NA}
    result["disagree"] = len(pointed) > 1
    if n_clusters is not None:
        if n_clusters not in set(result["k"]):
            raise ModelInputError(f"n_clusters = {n_clusters} is not among the evaluated k")
        result["is_chosen"] = result["k"] == n_clusters
        result["selection_rule"] = "fixed: n_clusters"
        return _typed(result)
    if len(result) < 3 or not result["is_elbow"].any():
        raise ModelInputError(
            "n_clusters = 'auto' needs a k range of at least 3 values with a decreasing WCSS "
            f"curve, got k = {result['k'].tolist()}"
        )
    elbow = int(result.loc[result["is_elbow"], "k"].iloc[0])
    silhouette = result.set_index("k")["silhouette"]
    best = silhouette.max()
    chosen, rule = elbow, "auto: elbow"
    if math.isfinite(best) and not silhouette[elbow] >= best - silhouette_tolerance:
        candidates = silhouette[silhouette >= best - silhouette_tolerance].index.to_numpy()
        chosen = int(min(candidates, key=lambda c: (abs(c - elbow), c)))
        rule = "auto: elbow corrected by silhouette"
    result["is_chosen"] = result["k"] == chosen
    result["selection_rule"] = rule
    return _typed(result)


def selection_messages(k_selection: pd.DataFrame) -> list[tuple[str, str]]:
    """What the build log should say about the choice of k: ``(level, message)`` pairs, level
    ``"info"`` or ``"warn"``.

    - criteria disagree and ``n_clusters: auto``: a warning naming each criterion's k, the k
      chosen and the rule that decided (elbow, corrected by silhouette when the elbow's
      silhouette is too low; stability is reported, never decisive);
    - criteria disagree and a fixed k: an info line (the user chose);
    - ``no_elbow``: a warning that the WCSS curve has no clear knee (the elbow is weak evidence).
    """
    if len(k_selection) == 0:
        return []
    first = k_selection.iloc[0]
    chosen = chosen_k(k_selection)
    rule = str(first["selection_rule"])

    def show(value: Any) -> str:
        return "-" if value is pd.NA or pd.isna(value) else str(int(value))

    criteria = (
        f"elbow k={show(first['knee_k'])}, best silhouette k={show(first['silhouette_k'])}, "
        f"most stable k={show(first['stability_k'])}"
    )
    messages: list[tuple[str, str]] = []
    if bool(first["disagree"]):
        if rule.startswith("auto"):
            messages.append(
                (
                    "warn",
                    f"k selection: the criteria disagree ({criteria}); n_clusters=auto chose "
                    f"k={chosen} by its rule ({rule}: the elbow unless its silhouette is more "
                    "than k_selection.silhouette_tolerance below the best; stability is "
                    "reported, not decisive). Check k_selection and consider fixing n_clusters.",
                )
            )
        else:
            messages.append(
                (
                    "info",
                    f"k selection: the criteria disagree ({criteria}); n_clusters is fixed at "
                    f"k={chosen}.",
                )
            )
    if bool(first["no_elbow"]) and len(k_selection) >= 3:
        strength = k_selection["chord_distance"].max()
        shown = "undefined" if pd.isna(strength) else f"{strength:.3f}"
        messages.append(
            (
                "warn",
                f"k selection: the WCSS curve has no clear elbow (largest chord distance "
                f"{shown} < k_selection.min_elbow_strength); the elbow k is weak evidence.",
            )
        )
    return messages


def select_k(
    features: pd.DataFrame,
    n_clusters: object,
    k_min: int,
    k_max: int,
    random_seed: int,
    n_init: int = 3,
    silhouette_sample_size: int = 5000,
    silhouette_tolerance: float = 0.1,
    on_k_done: Callable[[int], None] | None = None,
    sweep_sample_size: int | None = None,
    n_bootstrap: int = 0,
    bootstrap_sample_size: int | None = None,
    min_elbow_strength: float = DEFAULT_MIN_ELBOW_STRENGTH,
    stability_tolerance: float = DEFAULT_STABILITY_TOLERANCE,
) -> pd.DataFrame:
    """The ``k_selection`` table: :func:`sweep_k` over ``k_min..k_max`` then :func:`choose_k`.

    With ``sweep_sample_size``, a larger input is first reduced to a seeded uniform sample of
    that many customers (rows ordered by customer id, then ``random_seed``): the sweep fits
    ``k_max - k_min + 1`` models, so it runs on fewer customers than the final fit.

    ``n_clusters`` is ``"auto"`` or a number (see :func:`parse_n_clusters`); a fixed k outside
    the range is evaluated too, so exactly one row is chosen. ``n_bootstrap`` resamples per k
    measure its stability (:func:`bootstrap_stability`, on the sweep sample). Empty input gives
    an empty table.
    """
    fixed = parse_n_clusters(n_clusters)
    k_min = _positive_int(k_min, "k_selection.min")
    k_max = _positive_int(k_max, "k_selection.max")
    if k_max < k_min:
        raise ModelInputError(
            f"k_selection.max ({k_max}) is smaller than k_selection.min ({k_min})"
        )
    if len(features) == 0:  # `dbt run --empty`
        return _empty(K_SELECTION_COLUMNS)
    if sweep_sample_size is not None:
        sweep_sample_size = _positive_int(sweep_sample_size, "k_selection.sample_size")
        if len(features) > sweep_sample_size:
            if ID_COLUMN in features.columns:
                features = features.sort_values(ID_COLUMN, kind="stable")
            features = features.sample(n=sweep_sample_size, random_state=random_seed)
    k_values = list(range(k_min, k_max + 1))
    if fixed is not None:
        k_values.append(fixed)
    sweep = sweep_k(
        features,
        k_values,
        random_seed,
        n_init,
        silhouette_sample_size,
        on_k_done,
        n_bootstrap=n_bootstrap,
        bootstrap_sample_size=bootstrap_sample_size,
    )
    return choose_k(sweep, fixed, silhouette_tolerance, min_elbow_strength, stability_tolerance)


def chosen_k(k_selection: pd.DataFrame) -> int:
    """The k marked ``is_chosen`` in a ``k_selection`` table (exactly one row must be)."""
    chosen = k_selection.loc[k_selection["is_chosen"].astype(bool), "k"]
    if len(chosen) != 1:
        raise ModelInputError(f"k_selection must mark exactly one k as chosen, got {len(chosen)}")
    return int(chosen.iloc[0])
