"""Surrogate decision tree predicting the segment from the raw features; one row per leaf."""

from customer_segmentation.frames import to_engine, to_pandas
from customer_segmentation.progress import Progress
from customer_segmentation.surrogate_tree import surrogate_tree_leaves


def model(dbt, session):
    dbt.config(materialized="table")
    max_depth = dbt.config.get("max_depth")
    random_seed = dbt.config.get("random_seed")
    training = to_pandas(dbt.ref("ml_surrogate_tree_training"))
    with Progress(f"surrogate tree (depth <= {max_depth}) on {len(training):,} customers"):
        leaves = surrogate_tree_leaves(
            training, max_depth=int(max_depth), random_state=int(random_seed)
        )
    return to_engine(leaves, session)
