"""The scaling path on small data: Parquet input (a glob over several files) gives exactly the
results of the same customers read from CSV; the sampled fit's SQL labels are the nearest
centroid computed independently in pandas + NumPy; a clear error for missing input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.generator import generate_customers
from customer_segmentation.schema import CC_GENERAL_COLUMNS, CC_GENERAL_FEATURES, sql_name

FEATURES = [sql_name(c) for c in CC_GENERAL_FEATURES]
N_ROWS = 4000
FIT_SAMPLE = 1200
#: These builds are compared with each other and with NumPy, not their k sweep. The input goes
#: through the schedule's environment variables (docs/lean-build.md), so both builds share one
#: parse.
SCALE_VARS = {"kmeans": {"fit_sample_size": FIT_SAMPLE}, "k_selection": {"bootstrap": 0, "max": 4}}


@pytest.fixture(scope="module")
def customers(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The same 4,000 customers as one CSV file and as two Parquet files (typed columns)."""
    folder = tmp_path_factory.mktemp("inputs")
    frame = generate_customers(N_ROWS, seed=11)[list(CC_GENERAL_COLUMNS)]
    csv = folder / "customers.csv"
    frame.to_csv(csv, index=False)
    parquet_dir = folder / "parquet"
    parquet_dir.mkdir()
    frame.iloc[:2500].to_parquet(parquet_dir / "part-1.parquet", index=False)
    frame.iloc[2500:].to_parquet(parquet_dir / "part-2.parquet", index=False)
    return {"frame": frame, "csv": csv, "parquet_glob": str(parquet_dir / "*.parquet")}


@pytest.fixture(scope="module")
def csv_build(dbt_runner, schedule_environment, customers):
    return dbt_runner(["build"], SCALE_VARS, env=schedule_environment(customers["csv"]))


@pytest.fixture(scope="module")
def parquet_build(dbt_runner, parquet_environment):
    return dbt_runner(["build"], SCALE_VARS, env=parquet_environment)


@pytest.fixture(scope="module")
def parquet_environment(schedule_environment, customers) -> dict[str, str]:
    return schedule_environment(customers_parquet=customers["parquet_glob"])


def test_parquet_glob_input_equals_csv_input(csv_build, parquet_build) -> None:
    from_csv = csv_build.table("customer_segments").set_index("customer_id").sort_index()
    from_parquet = parquet_build.table("customer_segments").set_index("customer_id").sort_index()
    assert len(from_parquet) == N_ROWS
    assert (from_parquet.index == from_csv.index).all()
    assert (from_parquet["segment_id"] == from_csv["segment_id"]).all()
    assert (from_parquet["segment_name"] == from_csv["segment_name"]).all()
    numeric = ["distance_to_centroid", "pc1", "pc2", *FEATURES]
    np.testing.assert_allclose(from_parquet[numeric], from_csv[numeric], rtol=1e-12, atol=1e-12)
    centroids = [
        build.query("select * from ml.ml_kmeans_centroids").sort_values(
            ["segment_id", "feature_name"]
        )
        for build in (csv_build, parquet_build)
    ]
    np.testing.assert_allclose(centroids[0]["centroid_value"], centroids[1]["centroid_value"])


def test_sampled_fit_labels_are_the_nearest_centroid_in_numpy(csv_build, customers) -> None:
    """Independent check of the SQL scoring on the sampled path: pandas imputes and scales,
    NumPy finds the nearest of the fitted centroids (ties to the lower segment id)."""
    centroids = csv_build.query("select * from ml.ml_kmeans_centroids")
    assert (centroids["n_fit_rows"] == FIT_SAMPLE).all()
    centers = centroids.pivot(index="segment_id", columns="feature_name", values="centroid_value")
    raw = customers["frame"].rename(columns=sql_name).set_index("customer_id")[FEATURES]
    imputed = raw.fillna(raw.mean())
    z = (imputed - imputed.mean()) / imputed.std(ddof=0)
    distances = np.sqrt(
        ((z.to_numpy()[:, None, :] - centers[FEATURES].to_numpy()[None, :, :]) ** 2).sum(axis=2)
    )
    expected = pd.Series(centers.index.to_numpy()[distances.argmin(axis=1)], index=z.index)
    segments = csv_build.table("customer_segments").set_index("customer_id")
    assert (segments["segment_id"] == expected.loc[segments.index]).all()
    np.testing.assert_allclose(
        segments["distance_to_centroid"],
        pd.Series(distances.min(axis=1), index=z.index).loc[segments.index],
        rtol=1e-9,
    )
    scores = (
        csv_build.query("select * from ml.ml_customer_scores")
        .set_index("customer_id")
        .loc[segments.index]
    )
    for segment_id in centers.index:
        np.testing.assert_allclose(
            scores[f"distance_to_segment_{segment_id}"],
            distances[z.index.get_indexer(segments.index), list(centers.index).index(segment_id)],
            rtol=1e-9,
        )


def test_parquet_takes_precedence_over_the_default_csv(parquet_build, customers) -> None:
    """customers_csv keeps its default (the bundled sample); SEGMENTATION_CUSTOMERS_PARQUET
    wins, and the fit run records the files it read."""
    assert len(parquet_build.table("customer_segments")) == N_ROWS != 5000
    recorded = json.loads(parquet_build.query("select run_vars from ml.ml_fit_run")["run_vars"][0])
    assert recorded["customers_parquet"] == customers["parquet_glob"]
    assert recorded["customers_csv"] == "seeds/sample_customers.csv"


def test_missing_parquet_input_names_the_path(
    dbt_runner, parquet_build, parquet_environment, customers
) -> None:
    """The parquet build's own vars (so a partial parse) with its files gone, into a fresh
    database: the run fails naming the glob. The files are moved away for the run only."""
    glob = customers["parquet_glob"]
    folder = Path(glob).parent
    hidden = folder.with_name(folder.name + "-hidden")
    folder.rename(hidden)
    try:
        build = dbt_runner(
            ["build", "--select", "stg_cc_general__customers"],
            SCALE_VARS,
            check=False,
            env=parquet_environment,
        )
    finally:
        hidden.rename(folder)
    assert build.returncode != 0
    assert f"'{glob}' (env SEGMENTATION_CUSTOMERS_PARQUET)" in build.output
