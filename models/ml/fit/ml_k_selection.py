"""k-means sweep over k = k_selection_min..k_selection_max with quality metrics and bootstrap
stability; marks the chosen k and says in the build log when the criteria disagree.

Incremental: every sweep is kept (sweep_id), and a build recomputes only when the result could
differ from the last sweep (n_clusters auto, another fit sample or sweep setting, or var
k_selection_refresh); otherwise it adds nothing and the last sweep stays current
(customer_segmentation.sweep_cache; docs/decisions/016-lean-build.md).
"""

import pandas as pd

from customer_segmentation.frames import is_spark, to_engine, to_pandas
from customer_segmentation.model_selection import select_k, selection_messages
from customer_segmentation.progress import Progress, log_progress, log_warning
from customer_segmentation.sweep_cache import k_selection_rows, parse_refresh


def model(dbt, session):
    dbt.config(materialized="incremental")
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
    refresh = dbt.config.get("refresh")
    settings = {
        "n_clusters": n_clusters,
        "k_min": k_min,
        "k_max": k_max,
        "n_init": n_init,
        "random_seed": random_seed,
        "silhouette_sample_size": sample_size,
        "silhouette_tolerance": tolerance,
        "sweep_sample_size": sweep_sample_size,
        "n_bootstrap": n_bootstrap,
        "bootstrap_sample_size": bootstrap_sample_size,
        "min_elbow_strength": min_elbow_strength,
        "stability_tolerance": stability_tolerance,
    }
    sample = to_pandas(dbt.ref("int_customers_fit_sample"))
    run = to_pandas(dbt.ref("ml_fit_run"))
    store = to_pandas(session.sql(f"select * from {dbt.this}")) if dbt.is_incremental else None
    n_k = int(k_max) - int(k_min) + 1
    n_sweep = min(len(sample), int(sweep_sample_size))

    def sweep(features):
        with Progress(f"k sweep on {n_sweep:,} customers", total=n_k) as progress:
            return select_k(
                features,
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

    rows, reused, reason = k_selection_rows(
        sample, settings, store, run, parse_refresh(refresh), sweep
    )
    log_progress(f"k sweep {reason}")
    if not reused and len(rows):
        for level, message in selection_messages(rows):
            (log_warning if level == "warn" else log_progress)(message)
    if is_spark(session):  # dbt-spark overwrites the table with what the model returns
        rows = pd.concat([frame for frame in (store, rows) if frame is not None], ignore_index=True)
    return to_engine(rows, session)
