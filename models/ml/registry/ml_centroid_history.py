"""Centroid history (incremental, survives rebuilds): every fit's centroids with stable ids.

The current fit's centroids are matched to the previous run's (Hungarian assignment in a common
scaled space, see customer_segmentation.history); rows of the same run_at are replaced: by dbt's
delete+insert on DuckDB, in the model on Spark (it returns the whole table, which dbt overwrites).
"""

from customer_segmentation.frames import is_spark, replace_rows, to_engine, to_pandas
from customer_segmentation.history import assign_stable_ids, parse_max_distance
from customer_segmentation.lifecycle import is_score_run
from customer_segmentation.settings import Settings


def model(dbt, session):
    dbt.config(materialized="incremental")
    settings = Settings.from_json(dbt.config.get("settings"))
    max_distance = parse_max_distance(settings.history.segment_match_max_distance)
    run = to_pandas(dbt.ref("ml_fit_run"))
    centroids = to_pandas(dbt.ref("ml_kmeans_centroids"))
    scaling = to_pandas(dbt.ref("int_feature_scaling_parameters"))
    history = to_pandas(session.sql(f"select * from {dbt.this}")) if dbt.is_incremental else None
    if history is not None and is_score_run(to_pandas(dbt.ref("ml_lifecycle_run"))):
        return to_engine(history if is_spark(session) else history.iloc[:0], session)
    rows = assign_stable_ids(centroids, scaling, run, history, max_distance=max_distance)
    if is_spark(session):
        rows = replace_rows(history, rows, key="run_at")
    return to_engine(rows, session)
