"""`dbt build` on the bundled synthetic sample and on variations of the configuration."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from customer_segmentation.generator import generate_customers, write_customers
from customer_segmentation.schema import CC_GENERAL_FEATURES, sql_name

SAMPLE_CSV = Path(__file__).resolve().parents[2] / "seeds" / "sample_customers.csv"
FEATURES = [sql_name(c) for c in CC_GENERAL_FEATURES]


def test_bundled_sample_is_the_generator_output(tmp_path: Path) -> None:
    """seeds/sample_customers.csv is reproducible: `generate-customers --rows 5000 --seed 42`."""
    regenerated = write_customers(tmp_path / "sample.csv", 5000, seed=42)
    assert regenerated.read_bytes() == SAMPLE_CSV.read_bytes()


def test_sample_build_labels_every_customer(sample_build) -> None:
    segments = sample_build.table("customer_segments")
    assert len(segments) == len(pd.read_csv(SAMPLE_CSV)) == 5000
    assert sorted(segments["segment_id"].unique()) == [1, 2, 3, 4]
    personas = sample_build.table("segment_personas")
    assert personas["segment_name"].is_unique and len(personas) == 4
    # segment 1 is the largest, sizes decrease with the id (the documented ordering rule)
    centroids = sample_build.query("select * from ml.ml_kmeans_centroids")
    sizes = centroids.groupby("segment_id")["n_fit_customers"].first()
    assert sizes.is_monotonic_decreasing


def test_sample_segments_recover_the_generator_archetypes(sample_build) -> None:
    truth = generate_customers(5000, seed=42).set_index("CUST_ID")["archetype"]
    segments = sample_build.table("customer_segments").set_index("customer_id")
    ari = adjusted_rand_score(truth.loc[segments.index], segments["segment_id"])
    assert ari >= 0.8, ari
    # each archetype maps to the persona written for it
    expected = {
        # more of their card money goes to cash advances than on average: not "Prudent"
        "low_activity": "Low Activity, Cash-Leaning",
        "revolver": "Revolvers / Cash-Advance Reliant",
        "installment": "Installment Everyday Users",
        "transactor": "High-Value Transactors",
    }
    majority = segments.groupby(truth.loc[segments.index].to_numpy())["segment_name"].agg(
        lambda names: names.value_counts().idxmax()
    )
    assert majority.to_dict() == expected


def test_fit_on_a_sample_scores_everybody(dbt_runner, tmp_path: Path) -> None:
    """The sampled path: fit on 1,500 of 6,000 customers, score all 6,000 in SQL."""
    csv = write_customers(tmp_path / "customers.csv", 6000, seed=9)
    variables = {
        "customers_csv": str(csv),
        "kmeans": {"fit_sample_size": 1500},
        "k_selection": {"bootstrap": 0, "max": 4},  # the sweep is not looked at here
    }
    build = dbt_runner(["build"], variables)
    centroids = build.query("select * from ml.ml_kmeans_centroids")
    assert (centroids["n_fit_rows"] == 1500).all()
    segments = build.table("customer_segments").set_index("customer_id")
    assert len(segments) == 6000
    # the sample is the 1,500 ids with the smallest md5(id || '-' || seed), computed in Python
    ids = pd.read_csv(csv)["CUST_ID"]
    digests = sorted(ids, key=lambda i: (hashlib.md5(f"{i}-42".encode()).hexdigest(), i))
    sample = build.query("select * from intermediate.int_customers_fit_sample")
    assert set(sample["customer_id"]) == set(digests[:1500])
    # labels from the sample fit agree with the notebook's fit on all customers (pandas
    # mean-imputation, StandardScaler, KMeans(4, n_init=10) on all 6,000 rows)
    data = pd.read_csv(csv).set_index("CUST_ID").loc[segments.index]
    scaled = StandardScaler().fit_transform(data.fillna(data.mean()))
    full = KMeans(n_clusters=4, n_init=10, random_state=42).fit_predict(scaled)
    assert adjusted_rand_score(full, segments["segment_id"]) >= 0.95


def test_empty_run_handles_python_models(dbt_runner) -> None:
    build = dbt_runner(["build", "--empty"])
    assert build.query("select * from ml.ml_kmeans_centroids").empty
    assert build.table("customer_segments").empty
