"""Model registry (incremental, survives rebuilds): one row per successful fit."""

from customer_segmentation.history import registry_row


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="delete+insert")
    random_seed = dbt.config.get("random_seed")
    run = dbt.ref("ml_fit_run").df()
    centroids = dbt.ref("ml_segment_centroids").df()
    history = dbt.ref("ml_centroid_history").df()
    fit_sample = dbt.ref("int_customers_fit_sample").df()
    return registry_row(run, centroids, history, fit_sample, random_state=int(random_seed))
