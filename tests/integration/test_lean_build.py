"""Lean build (issue 18, docs/lean-build.md): the k sweep runs only when its result could differ
from the last one, and a scheduled run passes its input file and run date through environment
variables that dbt does not re-parse the project for."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from customer_segmentation.generator import write_customers

PROJECT_DIR = Path(__file__).resolve().parents[2]

#: A two-k sweep without bootstrap keeps these builds small; `dbt run` of the sweep's lineage
#: (no tests) is all the reuse needs.
SWEEP = {"min": 2, "max": 3, "bootstrap": 0}
SWEEP_VARS = {"k_selection": SWEEP}
SWEEP_LINEAGE = ["run", "--select", "+k_selection"]


def sweep_state(build: Any) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(every stored sweep, the k_selection mart as built, this run's id)."""
    stored = build.query("select * from ml.ml_k_selection order by sweep_id, k")
    mart = build.query("select * from marts_build.k_selection order by k")
    run_id = build.query("select run_id from ml.ml_fit_run")["run_id"].item()
    return stored, mart, run_id


def test_sweep_is_reused_until_its_input_or_settings_change(
    dbt_database_runner: Callable[[], Callable[..., Any]], tmp_path: Path
) -> None:
    run = dbt_database_runner()
    first = run(SWEEP_LINEAGE, SWEEP_VARS)
    stored, mart, first_run = sweep_state(first)
    assert set(stored["sweep_id"]) == {1} and list(mart["k"]) == [2, 3, 4]  # n_clusters 4 too
    assert (mart["sweep_run_id"] == first_run).all() and not mart["is_reused"].any()
    assert "k sweep computed: no earlier sweep" in first.output

    # the same input and settings: nothing recomputed, the mart says whose sweep it shows
    second = run(SWEEP_LINEAGE, SWEEP_VARS)
    stored_again, mart_again, second_run = sweep_state(second)
    assert second_run != first_run
    pd.testing.assert_frame_equal(stored_again, stored)
    assert mart_again["is_reused"].all() and (mart_again["sweep_run_id"] == first_run).all()
    same = [c for c in mart.columns if c != "is_reused"]
    pd.testing.assert_frame_equal(mart_again[same], mart[same])
    assert f"k sweep reused from run {mart['sweep_run_at'].iloc[0]:%Y-%m-%d %H:%M:%S}" in (
        second.output
    )

    # another input file: recomputed, stored as sweep 2, the mart shows only it
    other = write_customers(tmp_path / "other.csv", 600, seed=11)
    third = run(SWEEP_LINEAGE, {**SWEEP_VARS, "customers_csv": str(other)})
    stored_third, mart_third, third_run = sweep_state(third)
    assert sorted(set(stored_third["sweep_id"])) == [1, 2]
    assert (mart_third["sweep_run_id"] == third_run).all() and not mart_third["is_reused"].any()
    assert (mart_third["n_fit_rows"] == 600).all() and (mart["n_fit_rows"] == 5000).all()
    assert "k sweep computed: the fit sample" in third.output

    # a sweep setting changed, then a request: recomputed each time
    fourth = run(SWEEP_LINEAGE, {"k_selection": {**SWEEP, "max": 4}, "customers_csv": str(other)})
    assert sweep_state(fourth)[0]["sweep_id"].max() == 3
    refresh_sweep = {**SWEEP, "max": 4, "refresh": True}
    fifth = run(SWEEP_LINEAGE, {"k_selection": refresh_sweep, "customers_csv": str(other)})
    stored_fifth, mart_fifth, fifth_run = sweep_state(fifth)
    assert stored_fifth["sweep_id"].max() == 4 and (mart_fifth["sweep_run_id"] == fifth_run).all()
    assert "recomputed on request" in fifth.output


def test_n_clusters_auto_always_sweeps(dbt_database_runner) -> None:
    run = dbt_database_runner()
    auto = {"k_selection": {**SWEEP, "min": 1, "max": 3}, "n_clusters": "auto"}
    run(SWEEP_LINEAGE, auto)
    again = run(SWEEP_LINEAGE, auto)
    stored, mart, run_id = sweep_state(again)
    assert sorted(set(stored["sweep_id"])) == [1, 2]
    assert (mart["sweep_run_id"] == run_id).all()
    assert "n_clusters is auto" in again.output


def test_schedule_settings_from_the_environment(
    dbt_database_runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """SEGMENTATION_CUSTOMERS_CSV / SEGMENTATION_AS_OF replace the vars; given both ways with
    different values the build stops and says so."""
    monthly = write_customers(tmp_path / "customers_2026_03.csv", 700, seed=5)
    monkeypatch.setenv("SEGMENTATION_CUSTOMERS_CSV", str(monthly))
    monkeypatch.setenv("SEGMENTATION_AS_OF", "2026-03-01")
    run = dbt_database_runner()
    build = run(["run", "--select", "+ml_fit_run"], SWEEP_VARS)
    fit_run = build.query("select * from ml.ml_fit_run")
    assert fit_run["n_input_customers"].item() == 700
    assert fit_run["run_at"].item() == pd.Timestamp("2026-03-01")
    recorded = json.loads(fit_run["run_vars"].item())
    assert recorded["customers_csv"] == str(monthly) and recorded["as_of_date"] == "2026-03-01"

    clash = run(
        ["run", "--select", "+ml_fit_run"], {**SWEEP_VARS, "as_of_date": "2026-04-01"}, check=False
    )
    assert clash.returncode != 0
    assert "both environment variable SEGMENTATION_AS_OF ('2026-03-01') and var 'as_of_date'" in (
        clash.output
    )

    missing = tmp_path / "no_such_file.csv"
    monkeypatch.setenv("SEGMENTATION_CUSTOMERS_CSV", str(missing))
    failed = run(["run", "--select", "+ml_fit_run"], SWEEP_VARS, check=False)
    assert failed.returncode != 0
    assert f"'{missing}' (env SEGMENTATION_CUSTOMERS_CSV)" in failed.output


def test_changing_the_schedule_environment_reparses_nothing(
    tmp_path: Path, dbt_command_runner
) -> None:
    """dbt's partial parsing: after a parse, new values of the schedule's environment variables
    (input CSV or Parquet, run date) leave no file to re-parse, while a new `--vars` value
    re-parses everything."""
    log_path = tmp_path / "logs"

    def parse(env: dict[str, str], variables: dict | None = None) -> str:
        command = ["parse", "--target-path", str(tmp_path / "target")]
        command += ["--log-path", str(log_path)]
        if variables:
            command += ["--vars", json.dumps(variables)]
        full_env = {**os.environ, "SEGMENTATION_DB": str(tmp_path / "p.duckdb"), **env}
        returncode, output = dbt_command_runner(command, full_env)
        assert returncode == 0, output[-3000:]
        log = (log_path / "dbt.log").read_text()
        return log[log.rfind("Running with dbt") :]  # this invocation's part of the log

    parse({"SEGMENTATION_CUSTOMERS_CSV": "a.csv", "SEGMENTATION_AS_OF": "2026-01-01"})
    log = parse({"SEGMENTATION_CUSTOMERS_CSV": "b.csv", "SEGMENTATION_AS_OF": "2026-02-01"})
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing: " not in log  # no file scheduled for re-parsing
    unchanged = re.search(r"files deleted, 0 files added, 0 files changed", log)
    assert "Nothing changed, skipping partial parsing" in log or unchanged, log[-3000:]
    log = parse({"SEGMENTATION_CUSTOMERS_PARQUET": "parts/*.parquet"})
    assert "Unable to do partial parsing" not in log and "Partial parsing: " not in log
    log = parse({}, {"customers_csv": "c.csv"})
    assert "Unable to do partial parsing because config vars" in log
