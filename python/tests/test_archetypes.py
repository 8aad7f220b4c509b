from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from customer_segmentation.archetypes import archetype_codes, generate_separated_customers
from customer_segmentation.clustering import fit_kmeans
from customer_segmentation.schema import CC_GENERAL_COLUMNS, CC_GENERAL_FEATURES


def standardize(customers: pd.DataFrame) -> pd.DataFrame:
    """The warehouse's preparation: StandardScaler (population sd, constant -> scale 1)."""
    features = customers[list(CC_GENERAL_FEATURES)].astype(float)
    scale = features.std(ddof=0).replace(0.0, 1.0)
    standardized = (features - features.mean()) / scale
    standardized.insert(0, "customer_id", customers["CUST_ID"])
    return standardized


def nearest_centroid(standardized: pd.DataFrame, centroids: pd.DataFrame) -> np.ndarray:
    centers = centroids.pivot(index="segment_id", columns="feature_name", values="centroid_value")
    features = list(CC_GENERAL_FEATURES)
    x = standardized[features].to_numpy()
    distances = ((x[:, None, :] - centers[features].to_numpy()[None, :, :]) ** 2).sum(axis=2)
    return centers.index.to_numpy()[distances.argmin(axis=1)]


@pytest.mark.parametrize("k", range(2, 11))
def test_kmeans_recovers_the_archetypes_for_every_k(k: int) -> None:
    customers = generate_separated_customers(150 * k, k, seed=k)
    standardized = standardize(customers)
    centroids = fit_kmeans(standardized, n_clusters=k, random_seed=42)
    labels = nearest_centroid(standardized, centroids)
    ari = adjusted_rand_score(customers["archetype"], labels)
    assert ari >= 0.9, (k, ari)


def test_codewords_are_far_apart() -> None:
    codes = archetype_codes(16)
    assert len({tuple(c) for c in codes}) == 16
    for a, b in itertools.combinations(codes, 2):
        assert (a != b).sum() >= 3


def test_columns_keep_the_cc_general_invariants() -> None:
    customers = generate_separated_customers(2000, 10, seed=1)
    assert list(customers.columns) == [*CC_GENERAL_COLUMNS, "archetype"]
    assert customers["CUST_ID"].is_unique
    assert customers[list(CC_GENERAL_FEATURES)].notna().all().all()
    np.testing.assert_allclose(
        customers["PURCHASES"],
        customers["ONEOFF_PURCHASES"] + customers["INSTALLMENTS_PURCHASES"],
        atol=0.011,
    )
    frequencies = [c for c in CC_GENERAL_FEATURES if c.endswith("FREQUENCY")]
    assert customers[frequencies].ge(0).all().all() and customers[frequencies].le(1).all().all()
    assert customers["TENURE"].between(6, 12).all()
    assert customers["PRC_FULL_PAYMENT"].between(0, 1).all()
    assert (customers["archetype"].value_counts() == 200).all()


def test_output_is_deterministic_and_depends_on_the_seed() -> None:
    first = generate_separated_customers(300, 5, seed=3)
    pd.testing.assert_frame_equal(first, generate_separated_customers(300, 5, seed=3))
    assert not first.equals(generate_separated_customers(300, 5, seed=4))


@pytest.mark.parametrize("n_archetypes", [0, 17, True])
def test_bad_archetype_count_is_rejected(n_archetypes: int) -> None:
    with pytest.raises(ValueError, match=r"n_archetypes must be 1\.\.16"):
        generate_separated_customers(10, n_archetypes)
