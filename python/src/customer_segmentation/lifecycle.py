"""Model lifecycle: fit runs and score runs (docs/lifecycle.md).

A build is a *fit run* (fit k-means, PCA, personas and the rules' tree, register the model) or a
*score run* (no fitting: the registered model's stored parameters score the input). The decision
is made in SQL (macros/lifecycle/lifecycle_decision.sql) and handed to the Python models as the
one-row ``ml_lifecycle_run``; these helpers read it and fetch a model's stored parameters.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from customer_segmentation.frames import to_pandas


class LifecycleError(ValueError):
    """The lifecycle row or a model's stored parameters are missing."""


def is_score_run(lifecycle_run: pd.DataFrame) -> bool:
    """True when ``ml_lifecycle_run`` says this build scores with a registered model."""
    return len(lifecycle_run) > 0 and str(lifecycle_run["run_kind"].iloc[0]) == "score"


def scoring_model(lifecycle_run: pd.DataFrame) -> str:
    """The run id of the model that scores this build (this run's own id on a fit run)."""
    if len(lifecycle_run) == 0:
        raise LifecycleError("ml_lifecycle_run is empty")
    return str(lifecycle_run["model_run_id"].iloc[0])


def decision_reason(lifecycle_run: pd.DataFrame) -> str:
    """Why the build fits or scores (ml_lifecycle_run.decision_reason)."""
    return str(lifecycle_run["decision_reason"].iloc[0]) if len(lifecycle_run) else "refit: always"


def store_query(lifecycle_run: pd.DataFrame, store: str) -> str:
    """SQL selecting the scoring model's rows of parameter store ``store`` (an ml_model_* table
    in the schema ``ml_lifecycle_run.parameter_store`` names)."""
    schema = str(lifecycle_run["parameter_store"].iloc[0]) if len(lifecycle_run) else ""
    if not schema:
        raise LifecycleError(f"no parameter store exists yet, so {store} cannot be read")
    model_run_id = scoring_model(lifecycle_run).replace("'", "''")
    return f"select * from {schema}.{store} where model_run_id = '{model_run_id}'"


def stored_parameters(session: Any, lifecycle_run: pd.DataFrame, store: str) -> pd.DataFrame:
    """The scoring model's stored rows of ``store`` without the model_run_id column; an error
    when the model has none (the store lost them, or the model was never stored)."""
    rows = to_pandas(session.sql(store_query(lifecycle_run, store)))
    if len(rows) == 0:
        raise LifecycleError(
            f"model {scoring_model(lifecycle_run)} has no rows in {store}: it cannot score; "
            "refit (lifecycle: {refit: always}) or pin another registered model"
        )
    return rows.drop(columns=["model_run_id"]).reset_index(drop=True)


PROMOTION_COLUMNS = ("champion_run_id", "is_promotion", "promotion_reason")


def _text(lifecycle_run: pd.DataFrame, column: str) -> str:
    if len(lifecycle_run) == 0 or column not in lifecycle_run.columns:
        return ""
    value = lifecycle_run[column].iloc[0]
    return "" if pd.isna(value) else str(value)


def with_promotion(row: pd.DataFrame, lifecycle_run: pd.DataFrame) -> pd.DataFrame:
    """The registry row(s) ``row`` with the promotion fields of ``ml_lifecycle_run``:
    ``champion_run_id`` (the champion before this run; None when there was none),
    ``is_promotion`` (the run makes its scoring model the champion once it is published) and
    ``promotion_reason`` (why; None when the run promotes nothing). Without a lifecycle row the
    run counts as the promotion of its own fit (the build before lifecycles existed)."""
    champion = _text(lifecycle_run, "champion_run_id")
    reason = _text(lifecycle_run, "promotion_reason")
    if len(lifecycle_run) == 0 or "is_promotion" not in lifecycle_run.columns:
        promoted, reason = True, reason or decision_reason(lifecycle_run)
    else:
        promoted = bool(lifecycle_run["is_promotion"].iloc[0])
    out = row.copy()
    out["champion_run_id"] = pd.Series(
        [champion or None] * len(out), index=out.index, dtype="string"
    )
    out["is_promotion"] = pd.Series([promoted] * len(out), index=out.index, dtype=bool)
    out["promotion_reason"] = pd.Series(
        [reason if promoted and reason else None] * len(out), index=out.index, dtype="string"
    )
    return out
