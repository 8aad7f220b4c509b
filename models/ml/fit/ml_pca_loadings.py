"""Fit PCA on the fit sample; one row per component and feature (loadings in z-space)."""

from customer_segmentation.clustering import fit_pca
from customer_segmentation.frames import to_engine, to_pandas
from customer_segmentation.progress import Progress


def model(dbt, session):
    dbt.config(materialized="table")
    n_components = dbt.config.get("n_components")
    sample = to_pandas(dbt.ref("int_customers_fit_sample"))
    with Progress(f"PCA ({n_components} components) on {len(sample):,} customers"):
        loadings = fit_pca(sample, n_components=int(n_components))
    return to_engine(loadings, session)
