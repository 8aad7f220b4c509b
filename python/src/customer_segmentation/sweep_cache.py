"""Reusing the k sweep: the sweep runs only when its result could differ from the last one.

The k sweep (:func:`customer_segmentation.model_selection.select_k`) is a pure function of the
fit sample and the sweep settings. ``ml_k_selection`` keeps every sweep it computed (one row per
sweep and k, numbered by ``sweep_id``); a build recomputes only when

- ``n_clusters`` is ``auto`` (the sweep then decides the fitted k: always fresh),
- the fit sample differs from the one the last sweep saw (the input rows, the feature set or
  their preparation changed: its content digest, :func:`fit_sample_digest`),
- a sweep setting differs (``k_selection_*``, ``silhouette_sample_size``, ``random_seed``,
  ``n_clusters``), or the package version, or
- it is requested (var ``k_selection: {refresh: true}``).

Otherwise the last sweep is reused as it is: it equals what recomputing would give. Its
``sweep_run_id`` / ``sweep_run_at`` say which run computed it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping

import pandas as pd

from customer_segmentation import __version__
from customer_segmentation.clustering import ID_COLUMN
from customer_segmentation.model_selection import parse_n_clusters

#: Columns ``ml_k_selection`` adds to the sweep (model_selection.K_SELECTION_COLUMNS).
SWEEP_COLUMNS = ("sweep_id", "sweep_key", "sweep_run_id", "sweep_run_at")


def fit_sample_digest(features: pd.DataFrame) -> str:
    """md5 of the fit sample's columns and values, independent of the row order (rows are
    ordered by customer id, else by every column, before hashing)."""
    frame = features.reset_index(drop=True)
    if ID_COLUMN in frame.columns:
        frame = frame.sort_values(ID_COLUMN, kind="stable")
    elif len(frame.columns):
        frame = frame.sort_values(list(frame.columns), kind="stable")
    digest = hashlib.md5(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(str(len(frame)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def sweep_key(features: pd.DataFrame, settings: Mapping[str, object]) -> str:
    """What a sweep's result depends on, as one md5: the fit sample, the settings (compared as
    text, as dbt hands them over) and the package version."""
    payload = {
        "fit_sample": fit_sample_digest(features),
        "settings": {str(name): str(value) for name, value in settings.items()},
        "version": __version__,
    }
    return hashlib.md5(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def latest_sweep(store: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of the most recent sweep (largest ``sweep_id``) of ``ml_k_selection``; the
    input itself when it has no ``sweep_id`` column (a bare ``select_k`` table)."""
    if store is None:
        return pd.DataFrame()
    if "sweep_id" not in store.columns or store.empty:
        return store
    return store[store["sweep_id"] == store["sweep_id"].max()].reset_index(drop=True)


def reuse_reason(
    latest: pd.DataFrame, key: str, n_clusters: object, refresh: bool
) -> tuple[bool, str]:
    """Whether the last sweep can be reused, and why (for the build log)."""
    if refresh:
        return False, "recomputed on request (k_selection: {refresh: true})"
    if parse_n_clusters(n_clusters) is None:
        return False, "computed: n_clusters is auto, the sweep chooses k"
    if latest.empty or "sweep_key" not in latest.columns:
        return False, "computed: no earlier sweep in the warehouse"
    if not (latest["sweep_key"] == key).all():
        return False, (
            "computed: the fit sample (input, features or their preparation) or a sweep "
            "setting changed since the last sweep"
        )
    first = latest.iloc[0]
    return True, (
        f"reused from run {first['sweep_run_at']} ({first['sweep_run_id']}): same fit sample "
        "and sweep settings; k_selection: {refresh: true} recomputes it"
    )


def stamp_sweep(
    k_selection: pd.DataFrame, key: str, sweep_id: int, run_id: str, run_at: object
) -> pd.DataFrame:
    """``k_selection`` with the columns that identify its sweep."""
    stamped = k_selection.copy()
    stamped["sweep_id"] = pd.Series(sweep_id, index=stamped.index, dtype="int64")
    stamped["sweep_key"] = pd.Series(key, index=stamped.index, dtype="string")
    stamped["sweep_run_id"] = pd.Series(run_id, index=stamped.index, dtype="string")
    stamped["sweep_run_at"] = pd.Series([run_at] * len(stamped), index=stamped.index)
    if len(stamped):
        stamped["sweep_run_at"] = pd.to_datetime(stamped["sweep_run_at"])
    else:
        stamped["sweep_run_at"] = stamped["sweep_run_at"].astype("datetime64[us]")
    return stamped


def k_selection_rows(
    features: pd.DataFrame,
    settings: Mapping[str, object],
    store: pd.DataFrame | None,
    run: pd.DataFrame,
    refresh: bool,
    sweep: Callable[[pd.DataFrame], pd.DataFrame],
) -> tuple[pd.DataFrame, bool, str]:
    """The rows ``ml_k_selection`` appends this run (none when the last sweep is reused), whether
    it reused, and the reason.

    ``settings`` must hold ``n_clusters`` and every other setting the sweep reads; ``run`` is the
    one-row ``ml_fit_run``; ``sweep(features)`` computes a fresh ``select_k`` table.
    """
    if "n_clusters" not in settings:
        raise ValueError("settings must include n_clusters")
    if len(run) != 1:
        raise ValueError(f"ml_fit_run must have exactly one row, got {len(run)}")
    key = sweep_key(features, settings)
    latest = latest_sweep(store)
    reused, reason = reuse_reason(latest, key, settings["n_clusters"], refresh)
    if reused:
        return latest.iloc[0:0].copy(), True, reason
    has_ids = not latest.empty and "sweep_id" in latest.columns
    sweep_id = int(latest["sweep_id"].max()) + 1 if has_ids else 1
    row = run.iloc[0]
    stamped = stamp_sweep(sweep(features), key, sweep_id, str(row["run_id"]), row["run_at"])
    return stamped, False, reason
