"""Fit k-means on the fit sample; one row per segment and feature (centroids in z-space)."""

from customer_segmentation.clustering import fit_kmeans
from customer_segmentation.progress import Progress


def model(dbt, session):
    dbt.config(materialized="table")
    n_clusters = dbt.config.get("n_clusters")
    random_seed = dbt.config.get("random_seed")
    n_init = dbt.config.get("n_init")
    sample = dbt.ref("int_customers_fit_sample").df()
    task = f"k-means k={n_clusters}, n_init={n_init} on {len(sample):,} customers"
    with Progress(task):
        centroids = fit_kmeans(
            sample, n_clusters=int(n_clusters), random_seed=int(random_seed), n_init=int(n_init)
        )
    return centroids
