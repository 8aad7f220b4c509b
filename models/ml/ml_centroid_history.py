"""Centroid history (incremental, survives rebuilds): every fit's centroids with stable ids.

The current fit's centroids are matched to the previous run's (Hungarian assignment in a common
scaled space, see customer_segmentation.history); rows of the same run_at are replaced.
"""

from customer_segmentation.history import assign_stable_ids, parse_max_distance


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="delete+insert")
    max_distance = dbt.config.get("max_match_distance")
    run = dbt.ref("ml_fit_run").df()
    centroids = dbt.ref("ml_kmeans_centroids").df()
    scaling = dbt.ref("int_feature_scaling_parameters").df()
    history = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else None
    return assign_stable_ids(
        centroids, scaling, run, history, max_distance=parse_max_distance(max_distance)
    )
