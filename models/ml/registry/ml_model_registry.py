"""Model registry (incremental, survives rebuilds): one row per fit.

Rows of the same run_at are replaced: by dbt's delete+insert on DuckDB, in the model on Spark.
`published_at` is empty here; the publish step (macros/publish/publish_marts.sql) sets it in the
transaction that publishes the run, so a failed or killed run is never recorded as published.
"""

from customer_segmentation.exports import with_unpublished_status
from customer_segmentation.frames import is_spark, replace_rows, to_engine, to_pandas
from customer_segmentation.history import registry_row, score_registry_row
from customer_segmentation.lifecycle import (
    decision_reason,
    is_score_run,
    scoring_model,
    with_promotion,
)
from customer_segmentation.settings import Settings


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    random_seed = Settings.from_json(dbt.config.get("settings")).kmeans.random_seed
    run = to_pandas(dbt.ref("ml_fit_run"))
    centroids = to_pandas(dbt.ref("ml_segment_centroids"))
    history = to_pandas(dbt.ref("ml_centroid_history"))
    # the silhouette's customers are drawn from the diagnostics sample (part of the fit sample)
    diagnostics_sample = to_pandas(dbt.ref("int_customers_diagnostics_sample"))
    lifecycle = to_pandas(dbt.ref("ml_lifecycle_run"))
    reason = decision_reason(lifecycle)
    if is_score_run(lifecycle):  # a scoring run of a registered model
        row = score_registry_row(
            run,
            centroids,
            diagnostics_sample,
            scoring_model(lifecycle),
            reason,
            random_state=random_seed,
        )
    else:
        row = registry_row(
            run,
            centroids,
            history,
            diagnostics_sample,
            random_state=random_seed,
            decision_reason=reason,
        )
    row = with_unpublished_status(with_promotion(row, lifecycle))
    if is_spark(session) and dbt.is_incremental:
        row = replace_rows(to_pandas(session.sql(f"select * from {dbt.this}")), row, key="run_at")
    return to_engine(row, session)
