"""Model lifecycle (docs/lifecycle.md): fit runs, score runs, auto refit, rollback. Five monthly
builds of the bundled sample into ONE warehouse with `lifecycle: {refit: auto}`:

- jan: the sample; no champion yet -> fit run (model A).
- feb: every fifth customer's BALANCE x 1.1 (mild drift, no alert) -> score run with A.
- mar: every second customer's PAYMENTS x 10 (drift alert, accepted) -> score run with A; the
  registry records the alert.
- apr: march's file again -> auto refits (the last run raised a drift alert): model B.
- may: march's file, `champion_run_id` pinned to A (rollback) -> score run with A.

Checked: the kind, model and reason of every run in the registry; score runs fit nothing (no
sweep, no k-means in the log, no new centroid history or baseline rows); each score run's
assignments equal an independent NumPy scoring of the input with model A's parameters read from
the parameter stores; ids and persona names follow the scoring model; drift is measured against
the scoring model's training distribution; the published `segment_customers()` macro scores
with the champion; an unknown pin is a clear error naming the var and the registered models.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from customer_segmentation.schema import CC_GENERAL_COLUMNS, sql_name

PROJECT_DIR = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT_DIR / "seeds" / "sample_customers.csv"
MONTHS = {
    "jan": "2026-01-31",
    "feb": "2026-02-28",
    "mar": "2026-03-31",
    "apr": "2026-04-30",
    "may": "2026-05-31",
}


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
    inputs = {"jan": january, "feb": february, "mar": march, "apr": march, "may": march}
    files = {"jan": SAMPLE, "feb": work / "feb.csv", "mar": work / "mar.csv"}
    february[list(CC_GENERAL_COLUMNS)].to_csv(files["feb"], index=False)
    march[list(CC_GENERAL_COLUMNS)].to_csv(files["mar"], index=False)
    files["apr"] = files["may"] = files["mar"]
    run = dbt_database_runner()
    result: dict = {"inputs": inputs, "builds": {}, "run_ids": {}}
    for month, as_of in MONTHS.items():
        lifecycle_vars: dict = {"refit": "auto"}
        if month == "may":  # rollback: pin january's model
            lifecycle_vars["champion_run_id"] = result["run_ids"]["jan"]
        variables = {"lifecycle": lifecycle_vars, "accept_drift": month in ("mar", "apr", "may")}
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
    # a pin naming no registered model: a clear error, nothing built
    result["bad_pin"] = run(
        ["build", "-s", "ml_lifecycle_run"],
        {"lifecycle": {"refit": "auto", "champion_run_id": "no-such-run"}},
        check=False,
        env=schedule_environment(files["mar"], "2026-06-30"),
    )
    last = result["builds"]["may"]
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
    return result


def numpy_scores(frame: pd.DataFrame, stores: dict, model_run_id: str) -> pd.Series:
    """Segment id of every customer of the raw input `frame` (CC GENERAL headers) with model
    `model_run_id`'s stored parameters: mean imputation, (x - center) / scale, nearest centroid
    (ties to the lower id). Independent of the SQL: pandas / NumPy only."""
    imputation = stores["ml_model_imputation_values"]
    imputation = imputation[imputation["model_run_id"] == model_run_id].set_index("feature_name")
    scaling = stores["ml_model_scaling_parameters"]
    scaling = scaling[scaling["model_run_id"] == model_run_id].set_index("feature_name")
    centroids = stores["ml_model_centroids"]
    centroids = centroids[centroids["model_run_id"] == model_run_id]
    features = sorted(scaling.index)
    data = frame.rename(columns=sql_name).set_index("customer_id")
    values = data[features].astype(float).fillna(imputation["imputation_value"].astype(float))
    z = (values - scaling.loc[features, "feature_center"]) / scaling.loc[features, "feature_scale"]
    matrix = centroids.pivot(index="segment_id", columns="feature_name", values="centroid_value")
    matrix = matrix.sort_index()[features]
    distances = np.sqrt(((z.to_numpy()[:, None, :] - matrix.to_numpy()[None, :, :]) ** 2).sum(-1))
    return pd.Series(matrix.index.to_numpy()[distances.argmin(axis=1)], index=z.index)


def registry_row(lifecycle: dict, month: str) -> pd.Series:
    registry = lifecycle["registry"]
    return registry[registry["run_id"] == lifecycle["run_ids"][month]].iloc[0]


def test_each_run_is_recorded_with_its_kind_model_and_reason(lifecycle) -> None:
    model_a, model_b = lifecycle["run_ids"]["jan"], lifecycle["run_ids"]["apr"]
    expected = {
        "jan": ("fit", model_a, "auto: no champion"),
        "feb": ("score", model_a, "auto: the champion still fits"),
        "mar": ("score", model_a, "auto: the champion still fits"),
        "apr": ("fit", model_b, "auto: the last run raised a drift alert"),
        "may": ("score", model_a, "pinned: lifecycle.champion_run_id"),
    }
    for month, (kind, model, reason) in expected.items():
        row = registry_row(lifecycle, month)
        assert (row["run_kind"], row["model_run_id"], row["decision_reason"]) == (
            kind,
            model,
            reason,
        ), month
        assert pd.notna(row["published_at"]), month
    assert [bool(registry_row(lifecycle, m)["has_drift_alert"]) for m in MONTHS] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert len(lifecycle["registry"]) == len(MONTHS)


def test_score_runs_fit_nothing(lifecycle) -> None:
    fits = {lifecycle["run_ids"]["jan"], lifecycle["run_ids"]["apr"]}
    for month in ("feb", "mar", "may"):
        output = lifecycle["builds"][month].output
        assert "k sweep skipped: score run" in output, month
        assert "k-means k=" not in output and "PCA (" not in output, month
        assert "surrogate tree (" not in output, month
    assert "k-means k=" in lifecycle["builds"]["apr"].output
    # only fit runs add centroid history, a training distribution and stored parameters
    assert lifecycle["history_runs"] == fits
    assert lifecycle["baseline_runs"] == fits
    for name, store in lifecycle["stores"].items():
        assert set(store["model_run_id"]) == fits, name


@pytest.mark.parametrize("month", ["feb", "mar", "may"])
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
    for month in ("feb", "mar", "may"):
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
    shutil.copy(lifecycle["builds"]["may"].database, copy)
    raw = lifecycle["inputs"]["may"].rename(columns=sql_name)
    with duckdb.connect(str(copy)) as con:
        con.register("may_frame", raw)
        con.execute("create table may_input as select * from may_frame")
        scored = con.sql("select customer_id, segment_id from segment_customers('may_input')").df()
    expected = numpy_scores(
        lifecycle["inputs"]["may"], lifecycle["stores"], lifecycle["run_ids"]["jan"]
    )
    scored = scored.set_index("customer_id")["segment_id"].astype(int)
    assert (scored == expected.loc[scored.index].astype(int)).all()


def test_an_unknown_pin_names_the_var_and_the_registered_models(lifecycle) -> None:
    build = lifecycle["bad_pin"]
    assert build.returncode != 0
    assert "var 'lifecycle.champion_run_id' names 'no-such-run'" in build.output
    for month in ("jan", "apr"):
        assert lifecycle["run_ids"][month] in build.output
