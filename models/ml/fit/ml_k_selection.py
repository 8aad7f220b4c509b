"""k-means sweep over k = k_selection_min..k_selection_max with quality metrics and bootstrap
stability; marks the chosen k and says in the build log when the criteria disagree."""

from customer_segmentation.frames import to_engine, to_pandas
from customer_segmentation.model_selection import select_k, selection_messages
from customer_segmentation.progress import Progress, log_progress, log_warning


def model(dbt, session):
    dbt.config(materialized="table")
    n_clusters = dbt.config.get("n_clusters")
    k_min = dbt.config.get("k_min")
    k_max = dbt.config.get("k_max")
    n_init = dbt.config.get("n_init")
    random_seed = dbt.config.get("random_seed")
    sample_size = dbt.config.get("silhouette_sample_size")
    tolerance = dbt.config.get("silhouette_tolerance")
    sweep_sample_size = dbt.config.get("sweep_sample_size")
    n_bootstrap = dbt.config.get("n_bootstrap")
    bootstrap_sample_size = dbt.config.get("bootstrap_sample_size")
    min_elbow_strength = dbt.config.get("min_elbow_strength")
    stability_tolerance = dbt.config.get("stability_tolerance")
    sample = to_pandas(dbt.ref("int_customers_fit_sample"))
    n_k = int(k_max) - int(k_min) + 1
    n_sweep = min(len(sample), int(sweep_sample_size))
    with Progress(f"k sweep on {n_sweep:,} customers", total=n_k) as progress:
        k_selection = select_k(
            sample,
            n_clusters,
            int(k_min),
            int(k_max),
            int(random_seed),
            n_init=int(n_init),
            silhouette_sample_size=int(sample_size),
            silhouette_tolerance=float(tolerance),
            on_k_done=lambda k: progress.step(f"k={k}"),
            sweep_sample_size=int(sweep_sample_size),
            n_bootstrap=int(n_bootstrap),
            bootstrap_sample_size=int(bootstrap_sample_size),
            min_elbow_strength=float(min_elbow_strength),
            stability_tolerance=float(stability_tolerance),
        )
    for level, message in selection_messages(k_selection):
        (log_warning if level == "warn" else log_progress)(message)
    return to_engine(k_selection, session)
