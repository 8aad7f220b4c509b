"""Fit k-means with the chosen k (the latest sweep of ml_k_selection); one row per segment and
feature (z-space).

On every engine the fit sample is brought to this process and fitted by the python/ package
(scikit-learn). On Spark, setting `kmeans.fit_engine: mllib` fits pyspark.ml KMeans on the
cluster instead (docs/spark.md).
"""

from customer_segmentation.clustering import fit_kmeans
from customer_segmentation.frames import is_spark, to_engine, to_pandas
from customer_segmentation.lifecycle import is_score_run
from customer_segmentation.model_selection import chosen_k
from customer_segmentation.progress import Progress
from customer_segmentation.settings import Settings
from customer_segmentation.sweep_cache import latest_sweep


def model(dbt, session):
    dbt.config(materialized="table")
    kmeans = Settings.from_json(dbt.config.get("settings")).kmeans
    k_selection = latest_sweep(to_pandas(dbt.ref("ml_k_selection")))  # this run's sweep
    is_score = is_score_run(to_pandas(dbt.ref("ml_lifecycle_run")))
    if kmeans.fit_engine == "mllib" and is_spark(session) and not is_score:
        from customer_segmentation.spark_fit import fit_kmeans_mllib

        sample = dbt.ref("int_customers_fit_sample")
        n_clusters = chosen_k(k_selection)
        with Progress(f"pyspark.ml k-means k={n_clusters}"):
            centroids = fit_kmeans_mllib(sample, n_clusters, kmeans.random_seed, kmeans.n_init)
        return to_engine(centroids, session)
    sample = to_pandas(dbt.ref("int_customers_fit_sample"))
    if is_score:  # no fit: the model's centroids score
        sample = sample.iloc[:0]
    if sample.empty:  # `dbt run --empty`: no k was evaluated
        return to_engine(fit_kmeans(sample, n_clusters=1, random_seed=kmeans.random_seed), session)
    n_clusters = chosen_k(k_selection)
    task = f"k-means k={n_clusters}, n_init={kmeans.n_init} on {len(sample):,} customers"
    with Progress(task):
        centroids = fit_kmeans(
            sample, n_clusters=n_clusters, random_seed=kmeans.random_seed, n_init=kmeans.n_init
        )
    return to_engine(centroids, session)
