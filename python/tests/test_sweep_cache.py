"""The k sweep is reused only when recomputing it would give the same rows."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.model_selection import select_k
from customer_segmentation.settings import Settings
from customer_segmentation.sweep_cache import (
    SWEEP_COLUMNS,
    fit_sample_digest,
    k_selection_rows,
    latest_sweep,
    sweep_key,
)

SETTINGS = {"n_clusters": "3", "k_min": "1", "k_max": "4", "n_init": "2", "random_seed": "7"}


def sample(seed: int = 0, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centers = np.array([[0, 0, 0], [5, 5, 0], [0, 5, 5]], dtype=float)
    values = centers[rng.integers(0, 3, n)] + rng.standard_normal((n, 3))
    frame = pd.DataFrame(values, columns=["balance", "purchases", "payments"])
    frame.insert(0, "customer_id", [f"C{i:04d}" for i in range(n)])
    return frame


def run(run_id: str, run_at: str) -> pd.DataFrame:
    return pd.DataFrame({"run_id": [run_id], "run_at": [pd.Timestamp(run_at)]})


class CountingSweep:
    """select_k with the settings above; counts how often it really ran."""

    def __init__(self, settings: dict[str, str] = SETTINGS) -> None:
        self.calls = 0
        self.compute = partial(
            select_k,
            n_clusters=settings["n_clusters"],
            k_min=int(settings["k_min"]),
            k_max=int(settings["k_max"]),
            random_seed=int(settings["random_seed"]),
            n_init=int(settings["n_init"]),
            silhouette_sample_size=100,
        )

    def __call__(self, features: pd.DataFrame) -> pd.DataFrame:
        self.calls += 1
        return self.compute(features)


def test_digest_ignores_row_order_and_sees_every_value() -> None:
    frame = sample()
    shuffled = frame.sample(frac=1.0, random_state=3)
    assert fit_sample_digest(shuffled) == fit_sample_digest(frame)
    changed = frame.copy()
    changed.loc[17, "payments"] += 1e-9
    assert fit_sample_digest(changed) != fit_sample_digest(frame)
    assert fit_sample_digest(frame.drop(columns="payments")) != fit_sample_digest(frame)
    assert fit_sample_digest(frame.iloc[:-1]) != fit_sample_digest(frame)
    renamed = frame.rename(columns={"payments": "cash_advance"})
    assert fit_sample_digest(renamed) != fit_sample_digest(frame)


def test_key_changes_with_any_setting() -> None:
    frame = sample()
    key = sweep_key(frame, SETTINGS)
    assert sweep_key(frame, dict(SETTINGS)) == key
    for name in SETTINGS:
        assert sweep_key(frame, {**SETTINGS, name: "9"}) != key, name
    assert sweep_key(frame, {**SETTINGS, "n_bootstrap": "5"}) != key


def test_first_sweep_is_computed_and_stamped_with_its_run() -> None:
    sweep = CountingSweep()
    rows, reused, reason = k_selection_rows(
        sample(), SETTINGS, None, run("run-1", "2026-01-01"), False, sweep
    )
    assert not reused and sweep.calls == 1 and "no earlier sweep" in reason
    assert list(rows["k"]) == [1, 2, 3, 4]
    assert (rows["sweep_id"] == 1).all() and (rows["sweep_run_id"] == "run-1").all()
    assert (rows["sweep_run_at"] == pd.Timestamp("2026-01-01")).all()
    expected = select_k(sample(), "3", 1, 4, 7, n_init=2, silhouette_sample_size=100)
    pd.testing.assert_frame_equal(rows.drop(columns=list(SWEEP_COLUMNS)), expected)


def test_same_sample_and_settings_reuse_the_stored_sweep() -> None:
    sweep = CountingSweep()
    first, _, _ = k_selection_rows(
        sample(), SETTINGS, None, run("run-1", "2026-01-01"), False, sweep
    )
    # the next month: same rows in another order, another run
    shuffled = sample().sample(frac=1.0, random_state=1)
    new_rows, reused, reason = k_selection_rows(
        shuffled, SETTINGS, first, run("run-2", "2026-02-01"), False, sweep
    )
    assert reused and sweep.calls == 1 and new_rows.empty
    assert list(new_rows.columns) == list(first.columns)
    assert "reused from run 2026-01-01" in reason and "run-1" in reason
    store = pd.concat([first, new_rows], ignore_index=True)
    current = latest_sweep(store)
    pd.testing.assert_frame_equal(current, first)  # same rows, and says which run made them
    # ... and they are exactly what recomputing would give
    recomputed = CountingSweep()(shuffled)
    pd.testing.assert_frame_equal(current.drop(columns=list(SWEEP_COLUMNS)), recomputed)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"features": sample(seed=1)}, "fit sample"),
        ({"features": sample().drop(columns="payments")}, "fit sample"),
        ({"settings": {**SETTINGS, "k_max": "5"}}, "sweep setting"),
        ({"settings": {**SETTINGS, "n_clusters": "auto"}}, "n_clusters is auto"),
        ({"refresh": True}, "on request"),
    ],
)
def test_changed_input_settings_auto_or_request_recompute(change: dict, why: str) -> None:
    first, _, _ = k_selection_rows(
        sample(), SETTINGS, None, run("run-1", "2026-01-01"), False, CountingSweep()
    )
    features = change.get("features", sample())
    settings = change.get("settings", SETTINGS)
    sweep = CountingSweep(settings)
    rows, reused, reason = k_selection_rows(
        features, settings, first, run("run-2", "2026-02-01"), change.get("refresh", False), sweep
    )
    assert not reused and sweep.calls == 1 and why in reason
    assert (rows["sweep_id"] == 2).all() and (rows["sweep_run_id"] == "run-2").all()
    store = pd.concat([first, rows], ignore_index=True)
    pd.testing.assert_frame_equal(latest_sweep(store), rows.reset_index(drop=True))
    # auto always recomputes, even right after an auto sweep on the same sample
    if why == "n_clusters is auto":
        again, reused_again, _ = k_selection_rows(
            features, settings, store, run("run-3", "2026-03-01"), False, sweep
        )
        assert not reused_again and (again["sweep_id"] == 3).all() and sweep.calls == 2


def test_refresh_setting_and_bad_arguments() -> None:
    """k_selection.refresh is parsed by the settings definition, like every boolean setting."""
    assert Settings.from_vars({"k_selection": {"refresh": True}}).k_selection.refresh
    assert not Settings.from_vars({}).k_selection.refresh
    with pytest.raises(ValueError, match=r"k_selection\.refresh' must be true or false"):
        Settings.from_vars({"k_selection": {"refresh": "sometimes"}})
    with pytest.raises(ValueError, match="n_clusters"):
        k_selection_rows(sample(), {"k_min": "1"}, None, run("r", "2026-01-01"), False, len)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exactly one row"):
        k_selection_rows(sample(), SETTINGS, None, run("r", "2026-01-01").iloc[0:0], False, len)  # type: ignore[arg-type]
    assert latest_sweep(None).empty
