"""Surrogate decision tree predicting the segment from the raw features; one row per leaf."""

from customer_segmentation.frames import to_engine, to_pandas
from customer_segmentation.lifecycle import is_score_run, stored_parameters
from customer_segmentation.progress import Progress
from customer_segmentation.settings import Settings
from customer_segmentation.surrogate_tree import surrogate_tree_leaves


def model(dbt, session):
    dbt.config(materialized="table")
    lifecycle = to_pandas(dbt.ref("ml_lifecycle_run"))
    if is_score_run(lifecycle):  # the scoring model's rules
        return to_engine(stored_parameters(session, lifecycle, "ml_model_surrogate_trees"), session)
    settings = Settings.from_json(dbt.config.get("settings"))
    max_depth = settings.diagnostics.surrogate_tree_max_depth
    training = to_pandas(dbt.ref("ml_surrogate_tree_training"))
    with Progress(f"surrogate tree (depth <= {max_depth}) on {len(training):,} customers"):
        leaves = surrogate_tree_leaves(
            training, max_depth=max_depth, random_state=settings.kmeans.random_seed
        )
    return to_engine(leaves, session)
