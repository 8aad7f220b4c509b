"""Fit PCA on the fit sample; one row per component and feature (loadings in z-space)."""

from customer_segmentation.clustering import fit_pca
from customer_segmentation.frames import to_engine, to_pandas
from customer_segmentation.lifecycle import is_score_run, stored_parameters
from customer_segmentation.progress import Progress
from customer_segmentation.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    n_components = Settings.from_json(dbt.config.get("settings")).diagnostics.pca_components
    lifecycle = to_pandas(dbt.ref("ml_lifecycle_run"))
    if is_score_run(lifecycle):  # the scoring model's stored loadings
        return to_engine(stored_parameters(session, lifecycle, "ml_model_pca_loadings"), session)
    sample = to_pandas(dbt.ref("int_customers_fit_sample"))
    with Progress(f"PCA ({n_components} components) on {len(sample):,} customers"):
        loadings = fit_pca(sample, n_components=n_components)
    return to_engine(loadings, session)
