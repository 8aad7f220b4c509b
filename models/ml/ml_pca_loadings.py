"""Fit PCA on the fit sample; one row per component and feature (loadings in z-space)."""

from customer_segmentation.clustering import fit_pca


def model(dbt, session):
    dbt.config(materialized="table")
    n_components = dbt.config.get("n_components")
    sample = dbt.ref("int_customers_fit_sample").df()
    return fit_pca(sample, n_components=int(n_components))
