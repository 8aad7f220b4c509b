"""k-means sweep over k = k_selection.min..k_selection.max with quality metrics and bootstrap
stability; marks the chosen k and says in the build log when the criteria disagree.

Incremental: every sweep is kept (sweep_id), and a build recomputes only when the result could
differ from the last sweep (n_clusters auto, another fit sample or sweep setting, or setting
k_selection.refresh); otherwise it adds nothing and the last sweep stays current
(customer_segmentation.sweep_cache; docs/decisions/017-lean-build.md).
"""

from customer_segmentation.frames import to_engine, to_pandas
from customer_segmentation.lifecycle import is_score_run
from customer_segmentation.model_selection import select_k, selection_messages
from customer_segmentation.progress import Progress, log_progress, log_warning
from customer_segmentation.settings import Settings
from customer_segmentation.sweep_cache import k_selection_rows


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    settings = Settings.from_json(dbt.config.get("settings"))
    sweep_settings = settings.k_selection
    # what the sweep's result depends on (the reuse key; customer_segmentation.sweep_cache)
    key_settings = {
        "n_clusters": settings.n_clusters,
        "k_min": sweep_settings.min,
        "k_max": sweep_settings.max,
        "n_init": sweep_settings.n_init,
        "random_seed": settings.kmeans.random_seed,
        "silhouette_sample_size": settings.diagnostics.silhouette_sample_size,
        "silhouette_tolerance": sweep_settings.silhouette_tolerance,
        "sweep_sample_size": sweep_settings.sample_size,
        "n_bootstrap": sweep_settings.bootstrap,
        "bootstrap_sample_size": sweep_settings.bootstrap_sample_size,
        "min_elbow_strength": sweep_settings.min_elbow_strength,
        "stability_tolerance": sweep_settings.stability_tolerance,
    }
    # the first diagnostics.sample_size customers of the fit sample (the sweep draws its own
    # k_selection.sample_size from them): the sweep does not grow with kmeans.fit_sample_size
    sample = to_pandas(dbt.ref("int_customers_diagnostics_sample"))
    run = to_pandas(dbt.ref("ml_fit_run"))
    store = to_pandas(session.sql(f"select * from {dbt.this}")) if dbt.is_incremental else None
    if store is not None and is_score_run(to_pandas(dbt.ref("ml_lifecycle_run"))):
        log_progress("k sweep skipped: score run (docs/lifecycle.md)")
        return to_engine(store.iloc[:0], session)
    n_k = sweep_settings.max - sweep_settings.min + 1
    n_sweep = min(len(sample), sweep_settings.sample_size)

    def sweep(features):
        with Progress(f"k sweep on {n_sweep:,} customers", total=n_k) as progress:
            return select_k(
                features,
                settings.n_clusters,
                sweep_settings.min,
                sweep_settings.max,
                settings.kmeans.random_seed,
                n_init=sweep_settings.n_init,
                silhouette_sample_size=settings.diagnostics.silhouette_sample_size,
                silhouette_tolerance=sweep_settings.silhouette_tolerance,
                on_k_done=lambda k: progress.step(f"k={k}"),
                sweep_sample_size=sweep_settings.sample_size,
                n_bootstrap=sweep_settings.bootstrap,
                bootstrap_sample_size=sweep_settings.bootstrap_sample_size,
                min_elbow_strength=sweep_settings.min_elbow_strength,
                stability_tolerance=sweep_settings.stability_tolerance,
            )

    rows, reused, reason = k_selection_rows(
        sample, key_settings, store, run, sweep_settings.refresh, sweep
    )
    log_progress(f"k sweep {reason}")
    if not reused and len(rows):
        for level, message in selection_messages(rows):
            (log_warning if level == "warn" else log_progress)(message)
    # the strategy is `append` on every engine: only this run's new sweep rows are returned
    return to_engine(rows, session)
