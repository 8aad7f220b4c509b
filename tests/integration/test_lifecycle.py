"""Model lifecycle (docs/lifecycle.md): fit runs, score runs, auto refit, rollback. Five monthly
builds of the bundled sample into ONE warehouse with `lifecycle: {refit: auto}`:

- jan: the sample; no champion yet -> fit run (model A).
- feb: every fifth customer's BALANCE x 1.1 (mild drift, no alert) -> score run with A.
- mar: every second customer's PAYMENTS x 10 (drift alert, accepted) -> score run with A; the
  registry records the alert.
- apr: march's file again -> auto refits (the last run raised a drift alert): model B.
- may: march's file, `champion_run_id` pinned to A (rollback) -> score run with A.
- jun: march's file, `promotion: manual`: the last run raised a drift alert -> fit run of a
  challenger C, registered but not published; A stays the champion.
- jul: march's file, `promotion: manual` -> score run with A (C awaits promotion), compared.
- aug: march's file, `promote_run_id: C` -> score run with C, which becomes the champion.

Checked: the kind, model and reason of every run in the registry; score runs fit nothing (no
sweep, no k-means in the log, no new centroid history or baseline rows); each score run's
assignments equal an independent NumPy scoring of the input with model A's parameters read from
the parameter stores; ids and persona names follow the scoring model; drift is measured against
the scoring model's training distribution; the published `segment_customers()` macro scores
with the champion; an unknown pin is a clear error naming the var and the registered models.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from customer_segmentation.schema import CC_GENERAL_COLUMNS, sql_name
from customer_segmentation.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT_DIR / "seeds" / "sample_customers.csv"
MONTHS = {
    "jan": "2026-01-31",
    "feb": "2026-02-28",
    "mar": "2026-03-31",
    "apr": "2026-04-30",
    "may": "2026-05-31",
    "jun": "2026-06-30",
    "jul": "2026-07-31",
    "aug": "2026-08-31",
}
MANUAL = ("jun", "jul", "aug")


@pytest.fixture(scope="module")
def lifecycle(
    dbt_database_runner: Callable[[], Callable[..., object]],
    schedule_environment: Callable[..., dict],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict:
    work = tmp_path_factory.mktemp("lifecycle")
    january = pd.read_csv(SAMPLE)
    february = january.copy()
    february.loc[::5, "BALANCE"] = february.loc[::5, "BALANCE"] * 1.1
    march = january.copy()
    march.loc[::2, "PAYMENTS"] = march.loc[::2, "PAYMENTS"] * 10
    inputs = {"jan": january, "feb": february}
    files = {"jan": SAMPLE, "feb": work / "feb.csv", "mar": work / "mar.csv"}
    february[list(CC_GENERAL_COLUMNS)].to_csv(files["feb"], index=False)
    march[list(CC_GENERAL_COLUMNS)].to_csv(files["mar"], index=False)
    for month in ("mar", "apr", "may", *MANUAL):
        inputs[month], files[month] = march, files["mar"]
    run = dbt_database_runner()
    result: dict = {"inputs": inputs, "builds": {}, "run_ids": {}}
    for month, as_of in MONTHS.items():
        lifecycle_vars: dict = {"refit": "auto"}
        if month == "may":  # rollback: pin january's model
            lifecycle_vars["champion_run_id"] = result["run_ids"]["jan"]
        if month in MANUAL:
            lifecycle_vars["promotion"] = "manual"
        if month == "aug":  # promote june's challenger
            lifecycle_vars["promote_run_id"] = result["run_ids"]["jun"]
        variables = {"lifecycle": lifecycle_vars, "accept_drift": month not in ("jan", "feb")}
        # the input file and run date from the environment, as a monthly schedule sets them
        build = run(["build"], variables, env=schedule_environment(files[month], as_of))
        result["builds"][month] = build
        result["run_ids"][month] = build.query("select run_id from ml.ml_fit_run")["run_id"][0]
        result[f"segments_{month}"] = build.query(
            "select customer_id, segment_id, segment_name, distance_to_centroid"
            " from marts_build.customer_segments"
        )
        result[f"drift_{month}"] = build.query("select * from marts_build.feature_drift")
        result[f"personas_{month}"] = build.query(
            "select segment_id, segment_name from marts_build.segment_personas"
        )
        result[f"comparison_{month}"] = build.query("select * from marts_build.model_comparison")
        result[f"published_{month}"] = build.query(
            "select customer_id, segment_id from main.customer_segments"
        )
        if month in ("apr", "aug"):
            result[f"comparison_segments_{month}"] = build.query(
                "select * from marts_build.model_comparison_segments"
            )
            result[f"changes_{month}"] = build.query(
                "select * from marts_build.challenger_segment_changes"
            )
    # a pin naming no registered model: a clear error, nothing built
    result["bad_pin"] = run(
        ["build", "-s", "ml_lifecycle_run"],
        {"lifecycle": {"refit": "auto", "champion_run_id": "no-such-run"}},
        check=False,
        env=schedule_environment(files["mar"], "2026-06-30"),
    )
    last = result["builds"]["aug"]
    result["registry"] = last.query("select * from ml.ml_model_registry order by run_at")
    result["stores"] = {
        name: last.query(f"select * from ml.{name}")
        for name in (
            "ml_model_imputation_values",
            "ml_model_scaling_parameters",
            "ml_model_centroids",
        )
    }
    result["history_runs"] = set(
        last.query("select distinct run_id from ml.ml_centroid_history")["run_id"]
    )
    result["baseline_runs"] = set(
        last.query("select distinct run_id from ml.ml_feature_baseline")["run_id"]
    )
    result["membership_runs"] = set(
        last.query("select distinct run_id from main.customer_segment_memberships")["run_id"]
    )
    return result


def numpy_model(frame: pd.DataFrame, stores: dict, model_run_id: str) -> dict:
    """Model `model_run_id` applied to the raw input `frame` (CC GENERAL headers) with its stored
    parameters: mean imputation, z = (x - center) / scale, nearest centroid (ties to the lower
    id). Independent of the SQL: pandas / NumPy only. Returns the z values, the labels, the
    centroid matrix (segment x feature, z units) and the scaler's center and scale."""
    imputation = stores["ml_model_imputation_values"]
    imputation = imputation[imputation["model_run_id"] == model_run_id].set_index("feature_name")
    scaling = stores["ml_model_scaling_parameters"]
    scaling = scaling[scaling["model_run_id"] == model_run_id].set_index("feature_name")
    centroids = stores["ml_model_centroids"]
    centroids = centroids[centroids["model_run_id"] == model_run_id]
    features = sorted(scaling.index)
    data = frame.rename(columns=sql_name).set_index("customer_id")
    values = data[features].astype(float).fillna(imputation["imputation_value"].astype(float))
    center = scaling.loc[features, "feature_center"].astype(float)
    scale = scaling.loc[features, "feature_scale"].astype(float)
    z = (values - center) / scale
    matrix = centroids.pivot(index="segment_id", columns="feature_name", values="centroid_value")
    matrix = matrix.sort_index()[features]
    distances = np.sqrt(((z.to_numpy()[:, None, :] - matrix.to_numpy()[None, :, :]) ** 2).sum(-1))
    labels = pd.Series(matrix.index.to_numpy()[distances.argmin(axis=1)], index=z.index)
    return {"z": z, "labels": labels, "centroids": matrix, "center": center, "scale": scale}


def numpy_scores(frame: pd.DataFrame, stores: dict, model_run_id: str) -> pd.Series:
    """Segment id of every customer of `frame` with model `model_run_id` (numpy_model)."""
    return numpy_model(frame, stores, model_run_id)["labels"]


def numpy_comparison(lifecycle: dict, month: str, champion: str, challenger: str) -> dict:
    """model_comparison recomputed with NumPy / scikit-learn: both models label the month's
    customers in their own space; distances are measured in the challenger's space, where the
    champion's centroids are (center_A + scale_A * c - center_B) / scale_B."""
    customers = lifecycle[f"segments_{month}"]["customer_id"]
    a = numpy_model(lifecycle["inputs"][month], lifecycle["stores"], champion)
    b = numpy_model(lifecycle["inputs"][month], lifecycle["stores"], challenger)
    z = b["z"].loc[customers].to_numpy()
    labels_a = a["labels"].loc[customers].to_numpy()
    labels_b = b["labels"].loc[customers].to_numpy()
    mapped = (a["center"] + a["scale"] * a["centroids"] - b["center"]) / b["scale"]
    inertia_a = ((z - mapped.loc[labels_a].to_numpy()) ** 2).sum()
    inertia_b = ((z - b["centroids"].loc[labels_b].to_numpy()) ** 2).sum()
    # the seeded silhouette sample: the smallest md5(customer_id-seed)
    seed = Settings().kmeans.random_seed
    keys = pd.Series(
        [hashlib.md5(f"{c}-{seed}".encode()).hexdigest() for c in customers], index=customers
    )
    order = pd.DataFrame({"key": keys.to_numpy(), "id": customers.to_numpy()})
    sample = order.sort_values(["key", "id"]).index[: Settings().diagnostics.silhouette_sample_size]
    return {
        "n_customers": len(customers),
        "champion_inertia": inertia_a,
        "challenger_inertia": inertia_b,
        "champion_silhouette": silhouette_score(z[sample], labels_a[sample]),
        "challenger_silhouette": silhouette_score(z[sample], labels_b[sample]),
        "silhouette_sample_size": len(sample),
        "adjusted_rand_index": adjusted_rand_score(labels_a, labels_b),
        "n_changed_customers": int((labels_a != labels_b).sum()),
        "changed": set(customers[labels_a != labels_b]),
        "labels_a": labels_a,
        "labels_b": labels_b,
        "mapped": mapped,
        "centroids_b": b["centroids"],
    }


def registry_row(lifecycle: dict, month: str) -> pd.Series:
    registry = lifecycle["registry"]
    return registry[registry["run_id"] == lifecycle["run_ids"][month]].iloc[0]


def test_each_run_is_recorded_with_its_kind_model_and_reason(lifecycle) -> None:
    model_a, model_b = lifecycle["run_ids"]["jan"], lifecycle["run_ids"]["apr"]
    model_c = lifecycle["run_ids"]["jun"]
    expected = {
        "jan": ("fit", model_a, "auto: no champion"),
        "feb": ("score", model_a, "auto: the champion still fits"),
        "mar": ("score", model_a, "auto: the champion still fits"),
        "apr": ("fit", model_b, "auto: the last run raised a drift alert"),
        "may": ("score", model_a, "pinned: lifecycle.champion_run_id"),
        "jun": ("fit", model_c, "auto: the last run raised a drift alert"),
        "jul": ("score", model_a, f"manual: challenger {model_c} awaits lifecycle.promote_run_id"),
        "aug": ("score", model_c, "promoted: lifecycle.promote_run_id"),
    }
    for month, (kind, model, reason) in expected.items():
        row = registry_row(lifecycle, month)
        assert (row["run_kind"], row["model_run_id"], row["decision_reason"]) == (
            kind,
            model,
            reason,
        ), month
        # a challenger run (promotion manual) is registered but never published
        assert pd.notna(row["published_at"]) == (month != "jun"), month
    assert [bool(registry_row(lifecycle, m)["has_drift_alert"]) for m in MONTHS][:5] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert len(lifecycle["registry"]) == len(MONTHS)


def test_every_promotion_is_a_registry_row_with_its_reason(lifecycle) -> None:
    ids = lifecycle["run_ids"]
    model_a, model_b, model_c = ids["jan"], ids["apr"], ids["jun"]
    registry = lifecycle["registry"]
    promotions = registry[registry["is_promotion"]].sort_values("run_at")
    got = [
        (
            row.run_id,
            row.champion_run_id if pd.notna(row.champion_run_id) else None,
            row.model_run_id,
            row.promotion_reason,
        )
        for row in promotions.itertuples()
    ]
    assert got == [
        (ids["jan"], None, model_a, "auto: no champion"),
        (ids["apr"], model_a, model_b, "auto: the last run raised a drift alert"),
        (ids["may"], model_b, model_a, "pinned: lifecycle.champion_run_id"),
        (ids["aug"], model_a, model_c, "promoted: lifecycle.promote_run_id"),
    ]
    others = registry[~registry["is_promotion"]]
    assert others["promotion_reason"].isna().all()
    champions = dict(zip(registry["run_id"], registry["champion_run_id"], strict=True))
    assert champions[ids["jun"]] == model_a and champions[ids["jul"]] == model_a


def test_score_runs_fit_nothing(lifecycle) -> None:
    fits = {lifecycle["run_ids"][month] for month in ("jan", "apr", "jun")}
    for month in ("feb", "mar", "may", "jul", "aug"):
        output = lifecycle["builds"][month].output
        assert "k sweep skipped: score run" in output, month
        assert "k-means k=" not in output and "PCA (" not in output, month
        assert "surrogate tree (" not in output, month
    assert "k-means k=" in lifecycle["builds"]["apr"].output
    assert "k-means k=" in lifecycle["builds"]["jun"].output
    # only fit runs add centroid history, a training distribution and stored parameters
    assert lifecycle["history_runs"] == fits
    assert lifecycle["baseline_runs"] == fits
    for name, store in lifecycle["stores"].items():
        assert set(store["model_run_id"]) == fits, name


@pytest.mark.parametrize("month", ["feb", "mar", "may", "jul"])
def test_score_run_assignments_equal_numpy_scoring_with_the_models_parameters(
    lifecycle, month
) -> None:
    model_a = lifecycle["run_ids"]["jan"]
    expected = numpy_scores(lifecycle["inputs"][month], lifecycle["stores"], model_a)
    segments = lifecycle[f"segments_{month}"].set_index("customer_id")
    assert len(segments) > 0.99 * len(expected)
    got = segments["segment_id"].astype(int)
    assert (got == expected.loc[got.index].astype(int)).all()


def test_the_refit_is_a_new_model_that_scores_its_own_run(lifecycle) -> None:
    model_b = lifecycle["run_ids"]["apr"]
    expected = numpy_scores(lifecycle["inputs"]["apr"], lifecycle["stores"], model_b)
    got = lifecycle["segments_apr"].set_index("customer_id")["segment_id"].astype(int)
    assert (got == expected.loc[got.index].astype(int)).all()


def test_ids_and_persona_names_follow_the_scoring_model(lifecycle) -> None:
    january = lifecycle["personas_jan"].sort_values("segment_id").reset_index(drop=True)
    for month in ("feb", "mar", "may", "jul"):
        personas = lifecycle[f"personas_{month}"].sort_values("segment_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(personas, january, check_dtype=False)
        names = lifecycle[f"segments_{month}"][["segment_id", "segment_name"]].drop_duplicates()
        assert dict(zip(names["segment_id"], names["segment_name"], strict=True)) == dict(
            zip(january["segment_id"], january["segment_name"], strict=True)
        ), month


def test_drift_is_measured_against_the_scoring_models_training_data(lifecycle) -> None:
    model_a = lifecycle["run_ids"]["jan"]
    for month in ("feb", "mar", "may"):
        assert set(lifecycle[f"drift_{month}"]["baseline_run_id"]) == {model_a}, month
    assert set(lifecycle["drift_apr"]["baseline_run_id"]) == {model_a}  # previous model
    assert not (lifecycle["drift_feb"]["drift_status"] == "alert").any()
    alerts = lifecycle["drift_mar"].query("drift_status == 'alert'")["feature_name"]
    assert set(alerts) == {"payments"}


def test_the_published_scoring_macro_scores_with_the_champion(lifecycle, tmp_path) -> None:
    copy = tmp_path / "segmentation.duckdb"  # a copy: the macro is called on a new table
    shutil.copy(lifecycle["builds"]["aug"].database, copy)
    raw = lifecycle["inputs"]["aug"].rename(columns=sql_name)
    with duckdb.connect(str(copy)) as con:
        con.register("aug_frame", raw)
        con.execute("create table aug_input as select * from aug_frame")
        scored = con.sql("select customer_id, segment_id from segment_customers('aug_input')").df()
    # after the promotion the champion is june's challenger
    expected = numpy_scores(
        lifecycle["inputs"]["aug"], lifecycle["stores"], lifecycle["run_ids"]["jun"]
    )
    scored = scored.set_index("customer_id")["segment_id"].astype(int)
    assert (scored == expected.loc[scored.index].astype(int)).all()


def test_an_unknown_pin_names_the_var_and_the_registered_models(lifecycle) -> None:
    build = lifecycle["bad_pin"]
    assert build.returncode != 0
    assert "var 'lifecycle.champion_run_id' names 'no-such-run'" in build.output
    for month in ("jan", "apr"):
        assert lifecycle["run_ids"][month] in build.output


@pytest.mark.parametrize(
    ("month", "champion", "challenger", "promoted"),
    [("apr", "jan", "apr", True), ("jul", "jan", "jun", False), ("aug", "jan", "jun", True)],
)
def test_model_comparison_equals_numpy_and_sklearn(
    lifecycle, month, champion, challenger, promoted
) -> None:
    ids = lifecycle["run_ids"]
    comparison = lifecycle[f"comparison_{month}"]
    assert len(comparison) == 1, month
    row = comparison.iloc[0]
    assert (row["champion_run_id"], row["challenger_run_id"]) == (ids[champion], ids[challenger])
    assert bool(row["is_challenger_promoted"]) == promoted
    expected = numpy_comparison(lifecycle, month, ids[champion], ids[challenger])
    assert row["n_customers"] == expected["n_customers"]
    for column in (
        "champion_inertia",
        "challenger_inertia",
        "champion_silhouette",
        "challenger_silhouette",
        "adjusted_rand_index",
    ):
        assert row[column] == pytest.approx(expected[column], rel=1e-9, abs=1e-12), column
    assert row["silhouette_sample_size"] == expected["silhouette_sample_size"]
    assert row["n_changed_customers"] == expected["n_changed_customers"]
    assert row["changed_share"] == pytest.approx(
        expected["n_changed_customers"] / expected["n_customers"]
    )
    # the two models differ: the comparison is not trivially equal
    assert expected["n_changed_customers"] > 0 and expected["adjusted_rand_index"] < 1


@pytest.mark.parametrize("month", ["apr", "aug"])
def test_matched_segments_and_the_changing_customers(lifecycle, month) -> None:
    ids = lifecycle["run_ids"]
    challenger = "apr" if month == "apr" else "jun"
    expected = numpy_comparison(lifecycle, month, ids["jan"], ids[challenger])
    changes = lifecycle[f"changes_{month}"]
    assert set(changes["customer_id"]) == expected["changed"]
    assert (changes["champion_segment_id"] != changes["challenger_segment_id"]).all()
    segments = lifecycle[f"comparison_segments_{month}"].set_index("challenger_segment_id")
    mapped, centroids_b = expected["mapped"], expected["centroids_b"]
    assert sorted(segments.index) == sorted(centroids_b.index)
    n = expected["n_customers"]
    for segment_id, centroid in centroids_b.iterrows():
        shifts = np.sqrt(((mapped - centroid) ** 2).sum(axis=1))
        matched = shifts.index[np.argmin(shifts.to_numpy())]  # ties to the lower id
        got = segments.loc[segment_id]
        assert got["matched_champion_segment_id"] == matched
        assert got["centroid_shift"] == pytest.approx(shifts.loc[matched], rel=1e-9, abs=1e-12)
        a_count = int((expected["labels_a"] == matched).sum())
        b_count = int((expected["labels_b"] == segment_id).sum())
        assert (got["champion_customers"], got["challenger_customers"]) == (a_count, b_count)
        assert got["share_change"] == pytest.approx((b_count - a_count) / n)


def test_manual_promotion_keeps_the_champion_scoring_until_the_promote_var(lifecycle) -> None:
    ids = lifecycle["run_ids"]
    # jun: the challenger run publishes nothing: main still holds may's assignments (model A)
    assert "Marts NOT published: challenger run" in lifecycle["builds"]["jun"].output
    pd.testing.assert_frame_equal(
        lifecycle["published_jun"].sort_values("customer_id").reset_index(drop=True),
        lifecycle["published_may"].sort_values("customer_id").reset_index(drop=True),
    )
    # jul: A keeps scoring (published), compared with the pending challenger C
    model_a = numpy_scores(lifecycle["inputs"]["jul"], lifecycle["stores"], ids["jan"])
    published = lifecycle["published_jul"].set_index("customer_id")["segment_id"].astype(int)
    assert (published == model_a.loc[published.index].astype(int)).all()
    # aug: promoted, C scores and is published
    model_c = numpy_scores(lifecycle["inputs"]["aug"], lifecycle["stores"], ids["jun"])
    published = lifecycle["published_aug"].set_index("customer_id")["segment_id"].astype(int)
    assert (published == model_c.loc[published.index].astype(int)).all()
    assert (model_a.loc[published.index] != model_c.loc[published.index]).any()
    # the challenger run is no step of the membership history
    assert ids["jun"] not in lifecycle["membership_runs"]
    assert {ids["may"], ids["jul"], ids["aug"]} <= lifecycle["membership_runs"]
