"""k-means with pyspark.ml (var ``fit_engine: mllib``): the fit stays on the Spark cluster.

The scikit-learn fit (:func:`customer_segmentation.clustering.fit_kmeans`) brings the fit sample
to the driver; this one fits the sample where it lies, so ``fit_sample_size`` can exceed the
driver's memory. Trade-off: pyspark.ml uses k-means|| initialisation instead of k-means++, and
its own random streams, so its centroids (and labels) are not the scikit-learn fit's: DuckDB and
Spark then no longer agree label for label, and the fit can be worse (docs/spark.md). The output
has the same columns and segment order as ``fit_kmeans``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from customer_segmentation.clustering import CENTROID_COLUMNS, ID_COLUMN, order_clusters


def fit_kmeans_mllib(
    sample: Any, n_clusters: int, random_seed: int, n_init: int = 10, max_iter: int = 300
) -> pd.DataFrame:
    """Fit pyspark.ml KMeans on the Spark DataFrame ``sample`` (standardized features and
    ``customer_id``); one row per segment and feature, as ``fit_kmeans``.

    ``n_init`` runs with seeds ``random_seed``, ``random_seed + 1``, ... are fitted and the one
    with the lowest cost is kept, as scikit-learn's ``n_init``.
    """
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.feature import VectorAssembler

    names = [column for column in sample.columns if column != ID_COLUMN]
    assembled = VectorAssembler(inputCols=names, outputCol="features").transform(sample).cache()
    model = None
    for restart in range(max(1, n_init)):  # like n_init: keep the run with the lowest cost
        candidate = KMeans(
            k=n_clusters,
            seed=random_seed + restart,
            maxIter=max_iter,
            tol=1e-4,
            initMode="k-means||",
        ).fit(assembled)
        if model is None or candidate.summary.trainingCost < model.summary.trainingCost:
            model = candidate
    assembled.unpersist()
    assert model is not None  # n_init >= 1 fits
    centers = np.asarray([np.asarray(center) for center in model.clusterCenters()])
    summary = model.summary
    sizes = np.asarray(summary.clusterSizes, dtype=np.int64)
    labels = np.repeat(np.arange(len(sizes)), sizes)  # order_clusters needs only the sizes
    segment_of_label = order_clusters(labels, centers)
    rows = [
        {
            "segment_id": int(segment_of_label[label]),
            "feature_name": name,
            "centroid_value": float(centers[label, j]),
            "n_fit_customers": int(sizes[label]),
        }
        for label in range(len(sizes))
        for j, name in enumerate(names)
    ]
    result = pd.DataFrame(rows)
    result["n_fit_rows"] = int(sizes.sum())
    result["fit_inertia"] = float(summary.trainingCost)
    result["n_iterations"] = int(summary.numIter)
    result["random_seed"] = random_seed
    result = result.sort_values(["segment_id", "feature_name"], ignore_index=True)
    return result.astype(CENTROID_COLUMNS)
