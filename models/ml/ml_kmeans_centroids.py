"""Fit k-means with the chosen k (ml_k_selection); one row per segment and feature (z-space)."""

from customer_segmentation.clustering import fit_kmeans
from customer_segmentation.model_selection import chosen_k
from customer_segmentation.progress import Progress


def model(dbt, session):
    dbt.config(materialized="table")
    random_seed = dbt.config.get("random_seed")
    n_init = dbt.config.get("n_init")
    sample = dbt.ref("int_customers_fit_sample").df()
    k_selection = dbt.ref("ml_k_selection").df()
    if sample.empty:  # `dbt run --empty`: no k was evaluated
        return fit_kmeans(sample, n_clusters=1, random_seed=int(random_seed))
    n_clusters = chosen_k(k_selection)
    task = f"k-means k={n_clusters}, n_init={n_init} on {len(sample):,} customers"
    with Progress(task):
        centroids = fit_kmeans(
            sample, n_clusters=n_clusters, random_seed=int(random_seed), n_init=int(n_init)
        )
    return centroids
