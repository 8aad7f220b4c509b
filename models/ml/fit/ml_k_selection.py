"""k-means sweep over k = k_selection.min..k_selection.max with quality metrics and bootstrap
stability; marks the chosen k and says in the build log when the criteria disagree."""

from customer_segmentation.frames import to_engine, to_pandas
from customer_segmentation.model_selection import select_k, selection_messages
from customer_segmentation.progress import Progress, log_progress, log_warning
from customer_segmentation.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = Settings.from_json(dbt.config.get("settings"))
    sweep = settings.k_selection
    sample = to_pandas(dbt.ref("int_customers_fit_sample"))
    n_sweep = min(len(sample), sweep.sample_size)
    with Progress(f"k sweep on {n_sweep:,} customers", total=sweep.max - sweep.min + 1) as progress:
        k_selection = select_k(
            sample,
            settings.n_clusters,
            sweep.min,
            sweep.max,
            settings.kmeans.random_seed,
            n_init=sweep.n_init,
            silhouette_sample_size=settings.diagnostics.silhouette_sample_size,
            silhouette_tolerance=sweep.silhouette_tolerance,
            on_k_done=lambda k: progress.step(f"k={k}"),
            sweep_sample_size=sweep.sample_size,
            n_bootstrap=sweep.bootstrap,
            bootstrap_sample_size=sweep.bootstrap_sample_size,
            min_elbow_strength=sweep.min_elbow_strength,
            stability_tolerance=sweep.stability_tolerance,
        )
    for level, message in selection_messages(k_selection):
        (log_warning if level == "warn" else log_progress)(message)
    return to_engine(k_selection, session)
