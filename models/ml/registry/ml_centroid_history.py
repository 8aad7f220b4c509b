"""Centroid history (incremental, survives rebuilds): every fit's centroids with stable ids.

The current fit's centroids are matched to the previous run's (Hungarian assignment in a common
scaled space, see customer_segmentation.history); rows of the same run_at are replaced: by dbt's
delete+insert on DuckDB, in the model on Spark (it returns the whole table, which dbt overwrites).
"""

from customer_segmentation.frames import is_spark, replace_rows, to_engine, to_pandas
from customer_segmentation.history import assign_stable_ids, parse_max_distance


def model(dbt, session):
    dbt.config(materialized="incremental")
    max_distance = dbt.config.get("max_match_distance")
    run = to_pandas(dbt.ref("ml_fit_run"))
    centroids = to_pandas(dbt.ref("ml_kmeans_centroids"))
    scaling = to_pandas(dbt.ref("int_feature_scaling_parameters"))
    history = to_pandas(session.sql(f"select * from {dbt.this}")) if dbt.is_incremental else None
    rows = assign_stable_ids(
        centroids, scaling, run, history, max_distance=parse_max_distance(max_distance)
    )
    if is_spark(session):
        rows = replace_rows(history, rows, key="run_at")
    return to_engine(rows, session)
