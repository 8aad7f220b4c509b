"""Every documented setting value is built at least once (issue 22), as users run it: plain
`dbt build`, SQL unit tests included, on small generated inputs. Settings that do not interact
share a build; each build checks the marts' shape and at least one number computed
independently here (NumPy / scikit-learn / pandas).

- `low`: every var at its low extreme (pca_components 1, n_clusters 2, outlier_contamination 0,
  surrogate_tree_max_depth 1, diagnostics.sample_size 5, silhouette_sample_size 2, n_init 1)
  with minmax scaling, median imputation and a log1p transform.
- `high`: the high extremes (pca_components 3, n_clusters auto over 2..6 with bootstrap
  stability, surrogate_tree_max_depth 10 on 250 of the 600 customers, outlier_contamination
  0.2) on the engineered feature set with robust scaling.
- `history`: four monthly runs into one warehouse covering drift_baseline previous / first /
  pinned and segment_match_max_distance none / YAML null / a tiny distance.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import MinMaxScaler
from sklearn.tree import DecisionTreeClassifier

from customer_segmentation.generator import write_customers
from customer_segmentation.schema import CC_GENERAL_FEATURES, sql_name

FEATURES = [sql_name(c) for c in CC_GENERAL_FEATURES]
ROWS = 600
#: Cheap diagnostics where a build does not look at them.
CHEAP = {"k_selection": {"bootstrap": 0, "max": 4, "n_init": 1}}


def read_input(csv: Path) -> pd.DataFrame:
    return pd.read_csv(csv).rename(columns=sql_name).set_index("customer_id")[FEATURES]


def assert_equal_up_to_sign(ours: np.ndarray, theirs: np.ndarray, atol: float) -> None:
    """Principal components are defined up to sign: compare column by column."""
    for column in range(theirs.shape[1]):
        sign = np.sign(np.dot(ours[:, column], theirs[:, column])) or 1.0
        np.testing.assert_allclose(ours[:, column], sign * theirs[:, column], atol=atol)


def first_in_sample_order(ids: pd.Series, n: int, seed: int = 42) -> list[str]:
    """The n ids with the smallest md5(id || '-' || seed), ties by id: the documented order of
    the seeded samples (fit sample, surrogate tree, silhouettes), computed here."""
    return sorted(ids, key=lambda i: (hashlib.md5(f"{i}-{seed}".encode()).hexdigest(), i))[:n]


def surrogate_fidelity(
    segments: pd.DataFrame, max_depth: int, seed: int, sample_size: int | None = None
) -> float:
    """Accuracy on every customer of scikit-learn's tree on the imputed raw features, trained
    on the first `sample_size` customers in sample order (everybody by default: the fit
    sample is everybody here), rows in customer_id order as documented."""
    ordered = segments.sort_values("customer_id", kind="stable")
    training = ordered
    if sample_size is not None:
        chosen = set(first_in_sample_order(ordered["customer_id"], sample_size, seed))
        training = ordered[ordered["customer_id"].isin(chosen)]
        assert len(training) == min(sample_size, len(ordered))
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=seed)
    tree.fit(training[FEATURES].to_numpy(dtype=np.float64), training["segment_id"].to_numpy())
    return float(tree.score(ordered[FEATURES].to_numpy(dtype=np.float64), ordered["segment_id"]))


@pytest.fixture(scope="module")
def low(dbt_runner, tmp_path_factory: pytest.TempPathFactory) -> dict:
    csv = write_customers(tmp_path_factory.mktemp("matrix") / "low.csv", ROWS, seed=7)
    variables = {
        "customers_csv": str(csv),
        "n_clusters": 2,
        "kmeans": {"n_init": 1},
        "features": {
            "scaling": "minmax",
            "imputation": "median",
            "transforms": {"purchases": "log1p"},
        },
        "diagnostics": {
            "pca_components": 1,
            "outlier_contamination": 0,
            "surrogate_tree_max_depth": 1,
            "sample_size": 5,
            "silhouette_sample_size": 2,
        },
        **CHEAP,
    }
    build = dbt_runner(["build"], variables, unit_tests=True)
    return {"build": build, "csv": csv, "vars": variables}


def test_low_extremes_build_with_unit_tests(low) -> None:
    output = low["build"].output
    assert len(re.findall(r" PASS \w+::test_\w+", output)) >= 20, output  # the unit tests ran
    assert "ERROR=0" in output and "SKIP=0" in output


def test_one_principal_component_and_two_segments(low) -> None:
    build = low["build"]
    segments = build.table("customer_segments").set_index("customer_id").sort_index()
    assert len(segments) == ROWS
    assert sorted(segments["segment_id"].unique()) == [1, 2]
    assert segments["pc2"].isna().all()  # one component: the second plot axis is empty
    # independent: median imputation, log1p, MinMaxScaler and PCA(1) in pandas / scikit-learn
    raw = read_input(low["csv"]).sort_index()
    imputed = raw.fillna(raw.median())
    np.testing.assert_allclose(segments[FEATURES], imputed, rtol=1e-12)
    transformed = imputed.assign(purchases=np.log1p(imputed["purchases"]))
    scaled = MinMaxScaler().fit_transform(transformed)
    expected = PCA(n_components=1).fit_transform(scaled)
    assert_equal_up_to_sign(segments[["pc1"]].to_numpy(), expected, atol=1e-9)
    # the fitted centroids are the means of their customers (Lloyd's fixed point) and the
    # inertia is the sum of squared distances to them
    fit = build.table("ml_kmeans_centroids")
    labels = segments["segment_id"].to_numpy()
    inertia = sum(
        ((scaled[labels == s] - scaled[labels == s].mean(axis=0)) ** 2).sum()
        for s in np.unique(labels)
    )
    assert fit["fit_inertia"].iloc[0] == pytest.approx(inertia, rel=1e-9)
    assert build.table("pca_components")["component"].unique().tolist() == [1]


def test_median_imputation_values_match_pandas(low) -> None:
    """features.imputation: median (the mean is the default, built everywhere else): every
    feature's fill value is its pandas median, and the missing entries get it."""
    build = low["build"]
    raw = read_input(low["csv"])
    assert raw["minimum_payments"].isna().sum() > 0  # the imputation is exercised
    values = build.query("select * from intermediate.int_feature_imputation_values").set_index(
        "feature_name"
    )
    assert (values["imputation_method"] == "median").all()
    np.testing.assert_allclose(
        values.loc[FEATURES, "imputation_value"], raw.median()[FEATURES], rtol=1e-12
    )
    imputed = build.query("select * from intermediate.int_customers_imputed").set_index(
        "customer_id"
    )
    expected = raw["minimum_payments"].fillna(raw["minimum_payments"].median())
    np.testing.assert_allclose(imputed.loc[expected.index, "minimum_payments"], expected)


def test_no_outliers_and_a_two_customer_silhouette_sample(low) -> None:
    build = low["build"]
    assert not build.table("customer_segments")["is_outlier"].any()
    quality = build.table("cluster_quality")
    assert quality["n_outliers"].sum() == 0
    # the sample: the 2 ids with the smallest md5(id || '-' || seed), computed here
    expected = first_in_sample_order(build.table("customer_segments")["customer_id"], 2)
    silhouettes = build.table("ml_customer_silhouettes")
    assert sorted(silhouettes["customer_id"]) == sorted(expected)
    # two customers of one segment: no silhouette (undefined, as in scikit-learn); of two
    # segments: each is alone in its segment within the sample -> 0 by definition
    if silhouettes["segment_id"].nunique() == 1:
        assert silhouettes["silhouette"].isna().all()
    else:
        assert (silhouettes["silhouette"] == 0).all()
    assert quality["n_silhouette_customers"].sum() == 2


def test_depth_one_tree_on_five_customers_with_scikit_learn_fidelity(low) -> None:
    """diagnostics.sample_size 5, its lowest valid value here (the k sweep reads these
    customers and fits k up to 4): the depth-1 tree learns from the first five customers in
    sample order; its fidelity on every customer equals scikit-learn's tree on those five."""
    build = low["build"]
    rules = build.table("segment_rules")
    fidelity = build.table("segment_rule_fidelity")
    assert len(rules) <= 2 and (rules["depth"] <= 1).all()
    assert (fidelity["max_depth"] == 1).all() and (fidelity["n_leaves"] <= 2).all()
    assert rules["n_training_customers"].sum() == 5
    segments = build.table("customer_segments")
    expected = surrogate_fidelity(segments, max_depth=1, seed=42, sample_size=5)
    assert fidelity["overall_fidelity"].iloc[0] == pytest.approx(expected, abs=1e-12)
    # the k sweep ran on the same five customers: k = 1's WCSS is their total sum of squares
    selection = build.table("k_selection").set_index("k")
    assert (selection["n_fit_rows"] == 5).all()
    first = first_in_sample_order(segments["customer_id"], 5)
    scores = build.query("select * from ml.ml_customer_scores").set_index("customer_id")
    z = scores.loc[first, [c for c in scores.columns if c.startswith("z_")]].to_numpy()
    assert selection.loc[1, "wcss"] == pytest.approx(((z - z.mean(axis=0)) ** 2).sum(), rel=1e-9)


@pytest.fixture(scope="module")
def high(dbt_runner, tmp_path_factory: pytest.TempPathFactory) -> dict:
    csv = write_customers(tmp_path_factory.mktemp("matrix") / "high.csv", ROWS, seed=8)
    variables = {
        "customers_csv": str(csv),
        "features": {"set": "engineered", "scaling": "robust"},
        "n_clusters": "auto",
        "k_selection": {
            "min": 2,
            "max": 6,
            "n_init": 1,
            "bootstrap": 2,
            "bootstrap_sample_size": 300,
        },
        "diagnostics": {
            "pca_components": 3,
            "outlier_contamination": 0.2,
            "surrogate_tree_max_depth": 10,
            "sample_size": 250,
        },
    }
    return {"build": dbt_runner(["build"], variables, unit_tests=True), "csv": csv}


def test_three_components_equal_scikit_learn_pca(high) -> None:
    build = high["build"]
    scores = build.query("select * from ml.ml_customer_scores order by customer_id")
    z_columns = [c for c in scores.columns if c.startswith("z_")]
    assert len(z_columns) == 15  # the engineered set
    assert {"pc1", "pc2", "pc3"} <= set(scores.columns) and "pc4" not in scores.columns
    expected = PCA(n_components=3).fit_transform(scores[z_columns].to_numpy())
    assert_equal_up_to_sign(scores[["pc1", "pc2", "pc3"]].to_numpy(), expected, atol=1e-9)
    segments = build.table("customer_segments").set_index("customer_id").sort_index()
    np.testing.assert_allclose(
        segments[["pc1", "pc2"]].to_numpy(), scores[["pc1", "pc2"]].to_numpy(), rtol=1e-12
    )
    assert len(build.table("pca_components")["component"].unique()) == 3


def test_automatic_k_with_stability_and_outlier_share(high) -> None:
    build = high["build"]
    selection = build.table("k_selection").sort_values("k")
    assert selection["k"].tolist() == [2, 3, 4, 5, 6]
    assert selection["is_chosen"].sum() == 1
    chosen = int(selection.loc[selection["is_chosen"], "k"].iloc[0])
    segments = build.table("customer_segments")
    assert segments["segment_id"].nunique() == chosen
    assert (selection["n_bootstrap"] == 2).all() and selection["stability"].between(-1, 1).all()
    # independent: outliers are the customers strictly beyond their segment's 0.8 quantile
    expected = 0
    for _, group in segments.groupby("segment_id"):
        threshold = np.quantile(group["distance_to_centroid"], 0.8)
        expected += int((group["distance_to_centroid"] > threshold).sum())
    assert int(segments["is_outlier"].sum()) == expected


def test_depth_ten_tree_matches_scikit_learn_fidelity(high) -> None:
    build = high["build"]
    fidelity = build.table("segment_rule_fidelity")
    assert (fidelity["max_depth"] == 10).all()
    segments = build.table("customer_segments")
    # trained on the first 250 of the 600 customers in sample order, measured on all 600
    expected = surrogate_fidelity(segments, max_depth=10, seed=42, sample_size=250)
    assert fidelity["overall_fidelity"].iloc[0] == pytest.approx(expected, abs=1e-12)
    assert expected < 1  # a depth-10 tree fits its 250 training customers, not everybody
    rules = build.table("segment_rules")
    assert len(rules) == fidelity["n_leaves"].iloc[0] <= 2**10
    assert rules["n_training_customers"].sum() == 250


def test_drift_deciles_use_the_first_diagnostics_sample_customers(high) -> None:
    """diagnostics.sample_size 250 of 600: the drift baseline is measured on the first 250
    customers in sample order, its decile edges numpy's quantiles of their values."""
    build = high["build"]
    values = build.query("select * from intermediate.int_fit_sample_feature_values")
    expected = first_in_sample_order(build.table("customer_segments")["customer_id"], 250)
    for _, group in values.groupby("feature_name"):
        assert sorted(group["customer_id"]) == sorted(expected)
    baseline = build.query("select * from ml.ml_feature_baseline")
    assert (baseline["n_training_customers"] == 250).all()
    for feature, group in values.groupby("feature_name"):
        deciles = np.quantile(group["feature_value"].to_numpy(), np.arange(1, 10) / 10)
        edges = baseline.loc[baseline["feature_name"] == feature, "upper_edge"].dropna()
        # equal deciles are kept once
        np.testing.assert_allclose(sorted(edges), np.unique(deciles), rtol=1e-12)


MONTHS = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]


@pytest.fixture(scope="module")
def history(
    dbt_database_runner: Callable[[], Callable[..., object]],
    schedule_environment: Callable[..., dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict:
    """Jan: input A. Feb: A again, matching without a distance limit (segment_match_max_distance
    `none` as documented, given in both months so they share their vars). Mar: input B, drift
    against the FIRST run, matching with a tiny limit (every segment new). Apr: B again, drift
    baseline pinned to February's run time, matching without a limit given as YAML null. The
    input file and the run date come from the environment, as a monthly schedule gives them."""
    work = tmp_path_factory.mktemp("matrix-history")
    inputs = {
        "a": write_customers(work / "a.csv", 400, seed=21),
        "b": write_customers(work / "b.csv", 400, seed=22),
    }
    plan = [
        ("a", {"history": {"segment_match_max_distance": "none"}}),
        ("a", {"history": {"segment_match_max_distance": "none"}}),
        (
            "b",
            {"drift": {"baseline": "first"}, "history": {"segment_match_max_distance": 0.001}},
        ),
        (
            "b",
            {
                "drift": {"baseline": MONTHS[1]},
                "history": {"segment_match_max_distance": None},  # YAML null
            },
        ),
    ]
    run = dbt_database_runner()
    result: dict = {"inputs": inputs, "builds": [], "drift": [], "history": []}
    for as_of, (name, settings) in zip(MONTHS, plan, strict=True):
        variables = {"n_clusters": 3, **CHEAP, **settings}
        env = schedule_environment(customers_csv=inputs[name], as_of_date=as_of)
        build = run(["build"], variables, check=False, env=env, unit_tests=True)
        result["builds"].append(build)
        # what this run computed (published or not: a drift alert would keep the old marts)
        result["drift"].append(build.query("select * from marts_build.feature_drift"))
    last = result["builds"][-1]
    result["registry"] = last.table("ml_model_registry").sort_values("run_at")
    result["centroids"] = last.table("ml_centroid_history")
    return result


def test_every_history_run_builds(history) -> None:
    for build in history["builds"]:
        assert build.returncode == 0, build.output[-3000:]


def test_drift_baseline_modes_pick_the_documented_run(history) -> None:
    run_ids = history["registry"]["run_id"].tolist()
    assert len(run_ids) == 4
    drift = history["drift"]
    assert drift[1]["baseline_run_id"].unique().tolist() == [run_ids[0]]  # previous
    assert drift[2]["baseline_run_id"].unique().tolist() == [run_ids[0]]  # first
    assert drift[3]["baseline_run_id"].unique().tolist() == [run_ids[1]]  # pinned to February
    # independent: an unchanged input against its baseline has PSI 0; another input does not
    assert (drift[1]["psi"] == 0).all()
    assert (drift[2]["psi"] > 0).any() and (drift[3]["psi"] > 0).any()
    assert (drift[2]["n_baseline_customers"] == 400).all()


def test_segment_match_max_distance_none_and_tiny(history) -> None:
    centroids = history["centroids"]
    run_ids = history["registry"]["run_id"].tolist()
    per_run = centroids.drop_duplicates(["run_id", "segment_id"]).groupby("run_id")
    ids = {run: set(group["segment_id"]) for run, group in per_run}
    status = {run: set(group["match_status"]) for run, group in per_run}
    # none: the same input refit keeps every id
    assert ids[run_ids[1]] == ids[run_ids[0]] and "new" not in status[run_ids[1]]
    # a tiny distance: another input's centroids are farther, so every segment gets a new id
    assert status[run_ids[2]] == {"new"}
    assert not ids[run_ids[2]] & (ids[run_ids[0]] | ids[run_ids[1]])
    # independent: the centroids of the input A fit are farther apart than 0.001 from B's
    moved = history["centroids"].pivot_table(
        index=["run_id", "segment_id"], columns="feature_name", values="centroid_value"
    )
    before = moved.loc[run_ids[1]].to_numpy()
    after = moved.loc[run_ids[2]].to_numpy()
    nearest = np.sqrt(((after[:, None, :] - before[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    assert (nearest > 0.001).all()
    registry = history["registry"].set_index("run_id")
    assert registry.loc[run_ids[2], "n_new_segments"] == len(ids[run_ids[2]])


def test_each_run_labels_every_customer_like_scikit_learn(history) -> None:
    """The published marts of the last run: 400 customers in 3 segments, and the labels agree
    with scikit-learn's k-means on the same standardized features (ARI)."""
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    build = history["builds"][-1]
    segments = build.table("customer_segments").set_index("customer_id").sort_index()
    assert len(segments) == 400 and segments["segment_id"].nunique() == 3
    raw = read_input(history["inputs"]["b"]).sort_index()
    scaled = StandardScaler().fit_transform(raw.fillna(raw.mean()))
    labels = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(scaled)
    assert adjusted_rand_score(labels, segments["segment_id"]) > 0.95


def test_documented_none_and_yaml_null_for_segment_match_max_distance(history) -> None:
    """`none` (as docs/configuration.md writes it, January and February) and YAML null (April)
    both mean no distance limit: the builds pass and a refit on the same input keeps every id."""
    registry = history["registry"].set_index("run_id")
    run_ids = history["registry"]["run_id"].tolist()
    for month in (1, 3):
        assert history["builds"][month].returncode == 0, history["builds"][month].output[-2000:]
        assert registry.loc[run_ids[month], "n_new_segments"] == 0
    centroids = history["centroids"].drop_duplicates(["run_id", "segment_id"])
    ids = {run: set(group["segment_id"]) for run, group in centroids.groupby("run_id")}
    assert ids[run_ids[3]] == ids[run_ids[2]]
