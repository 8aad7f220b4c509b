"""Shared test data of the package tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

#: Three well-separated 2-D blob centres (features "a" and "b").
BLOB_CENTERS = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])


@pytest.fixture
def blobs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three well-separated blobs (80 points each, seed 0) with customer ids, and their centres
    as stored centroids (segment_id, feature_name, centroid_value, n_fit_rows, fit_inertia)."""
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(c, 0.7, size=(80, 2)) for c in BLOB_CENTERS])
    sample = pd.DataFrame(points, columns=["a", "b"])
    sample.insert(0, "customer_id", [f"C{i:04d}" for i in range(len(sample))])
    centroids = pd.DataFrame(
        [
            {
                "segment_id": s + 1,
                "feature_name": f,
                "centroid_value": BLOB_CENTERS[s, j],
                "n_fit_rows": len(sample),
                "fit_inertia": 123.0,
            }
            for s in range(3)
            for j, f in enumerate(["a", "b"])
        ]
    )
    return sample, centroids
