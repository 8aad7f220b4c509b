"""Model registry (incremental, survives rebuilds): one row per fit.

Rows of the same run_at are replaced: by dbt's delete+insert on DuckDB, in the model on Spark.
`published_at` is empty here; the publish step (macros/publish/publish_marts.sql) sets it in the
transaction that publishes the run, so a failed or killed run is never recorded as published.
"""

from customer_segmentation.exports import with_unpublished_status
from customer_segmentation.frames import is_spark, replace_rows, to_engine, to_pandas
from customer_segmentation.history import registry_row


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    random_seed = dbt.config.get("random_seed")
    run = to_pandas(dbt.ref("ml_fit_run"))
    centroids = to_pandas(dbt.ref("ml_segment_centroids"))
    history = to_pandas(dbt.ref("ml_centroid_history"))
    fit_sample = to_pandas(dbt.ref("int_customers_fit_sample"))
    row = registry_row(run, centroids, history, fit_sample, random_state=int(random_seed))
    row = with_unpublished_status(row)
    if is_spark(session) and dbt.is_incremental:
        row = replace_rows(to_pandas(session.sql(f"select * from {dbt.this}")), row, key="run_at")
    return to_engine(row, session)
