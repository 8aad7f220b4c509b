"""Drift, share changes and audience changes: three monthly builds of the bundled sample into
ONE warehouse.

January: the sample. February: the same customers with PAYMENTS x 10 for every second
customer (one feature shifted; a shift of all customers by a factor or a constant would be
absorbed by the refit's standardization and move nobody).
March: February's file again (an unchanged rerun). Checked: the PSI alert test fires in
February on `payments` only and its PSI equals an independent NumPy computation; March fires
no test at all; segment_audience_changes equals pandas set differences of the two runs'
memberships (from each build's own customer_segments), and the audience files equal the
latest run's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.schema import CC_GENERAL_COLUMNS, sql_name

PROJECT_DIR = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT_DIR / "seeds" / "sample_customers.csv"
SHIFTED = "payments"
PSI_EPSILON = 1e-4  # models/marts/monitoring/feature_drift.sql
MONTHS = {"jan": "2026-01-31", "feb": "2026-02-28", "mar": "2026-03-31"}
FEB_WARN_PP = 0.01


def psi(baseline: np.ndarray, current: np.ndarray) -> float:
    """PSI of `current` against the deciles of `baseline` (right-closed bins, equal edges once,
    shares floored at PSI_EPSILON), written independently of the SQL."""
    edges = np.unique(np.quantile(baseline, np.arange(1, 10) / 10))
    bins = len(edges) + 1
    base = np.bincount(np.searchsorted(edges, baseline, side="left"), minlength=bins)
    now = np.bincount(np.searchsorted(edges, current, side="left"), minlength=bins)
    base = np.maximum(base / len(baseline), PSI_EPSILON)
    now = np.maximum(now / len(current), PSI_EPSILON)
    return float(np.sum((now - base) * np.log(now / base)))


@pytest.fixture(scope="module")
def monitoring(
    dbt_database_runner: Callable[[], Callable[..., object]],
    schedule_environment: Callable[..., dict],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict:
    work = tmp_path_factory.mktemp("monitoring")
    january = pd.read_csv(SAMPLE)
    february = january.copy()
    february.loc[::2, "PAYMENTS"] = february.loc[::2, "PAYMENTS"] * 10
    files = {"jan": SAMPLE, "feb": work / "feb.csv", "mar": work / "feb.csv"}
    february[list(CC_GENERAL_COLUMNS)].to_csv(files["feb"], index=False)
    run = dbt_database_runner()
    result: dict = {"inputs": {"jan": january, "feb": february}, "builds": {}, "segments": {}}
    result["feb_file"] = files["feb"]
    for month, as_of in MONTHS.items():
        # the input and the date from the environment, as a monthly schedule sets them
        variables = None
        if month == "feb":  # any share change above 0.01 points warns (checked against pandas)
            variables = {"drift": {"share_change_warn_pp": FEB_WARN_PP}}
        build = run(
            ["build"], variables, check=False, env=schedule_environment(files[month], as_of)
        )
        result["builds"][month] = build
        # the segments this run computed (also when the marts were not published)
        result["segments"][month] = build.query(
            "select customer_id, segment_id from marts_build.customer_segments"
        )
        result[f"drift_{month}"] = build.query("select * from marts_build.feature_drift")
        result[f"shares_{month}"] = build.query("select * from marts_build.segment_share_changes")
        # what BI sees after this build: the published run and the exports' run
        result[f"published_{month}"] = build.query("select run_id from main.segmentation_run")
        result[f"exported_{month}"] = pd.read_csv(build.exports / "manifest.csv")
        result[f"history_files_{month}"] = {
            path.name: (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in (build.exports / "customer_segment_memberships").glob("*.parquet")
        }
    return result


def test_first_run_has_no_baseline(monitoring) -> None:
    drift = monitoring["drift_jan"]
    assert (drift["drift_status"] == "no_baseline").all() and drift["psi"].isna().all()
    assert monitoring["builds"]["jan"].returncode == 0


def test_shifted_feature_fires_the_alert_test_on_that_feature_only(monitoring) -> None:
    build = monitoring["builds"]["feb"]
    assert build.returncode != 0  # an alert fails the build ...
    assert "Marts NOT published" in build.output  # ... and BI keeps January's marts
    assert re.search(r"Failure in test feature_drift_psi_below_alert_threshold", build.output)
    assert re.search(r"Warning in test feature_drift_psi_below_warn_threshold", build.output)
    # no other test failed or warned
    failures = re.findall(r"(?:Failure|Warning) in test (\w+)", build.output)
    assert set(failures) <= {
        "feature_drift_psi_below_alert_threshold",
        "feature_drift_psi_below_warn_threshold",
        "segment_share_change_within_warn_threshold",
    }, failures
    drift = monitoring["drift_feb"].set_index("feature_name")
    assert drift.index[drift["drift_status"] != "ok"].tolist() == [SHIFTED]
    assert drift.loc[SHIFTED, "drift_status"] == "alert"
    assert (drift.drop(SHIFTED)["psi"] == 0).all()  # identical values: exactly 0
    # BI and the campaign audiences keep January's run
    january = monitoring["published_jan"]["run_id"].tolist()
    assert monitoring["published_feb"]["run_id"].tolist() == january
    assert set(monitoring["exported_feb"]["published_run_id"]) == set(january)


def test_psi_equals_an_independent_numpy_computation(monitoring) -> None:
    drift = monitoring["drift_feb"].set_index("feature_name")
    clean = monitoring["segments"]["jan"]["customer_id"]
    inputs = {
        month: frame.rename(columns=sql_name).set_index("customer_id").loc[clean]
        for month, frame in monitoring["inputs"].items()
    }
    for feature in drift.index:
        before = inputs["jan"][feature].astype(float)
        after = inputs["feb"][feature].astype(float)
        expected = psi(
            before.fillna(before.mean()).to_numpy(), after.fillna(after.mean()).to_numpy()
        )
        assert drift.loc[feature, "psi"] == pytest.approx(expected, rel=1e-9, abs=1e-12), feature
    print(f"PSI of {SHIFTED} (x10 for half the customers): {drift.loc[SHIFTED, 'psi']:.3f}")


def test_unchanged_rerun_fires_nothing(monitoring) -> None:
    build = monitoring["builds"]["mar"]
    assert build.returncode == 0
    assert not re.search(r"(Failure|Warning) in test", build.output)
    assert re.search(r"WARN=0 ERROR=0", build.output)
    drift = build.table("feature_drift")
    assert (drift["psi"] == 0).all() and (drift["drift_status"] == "ok").all()
    changes = build.table("segment_share_changes")
    assert (changes["share_change_pp"] == 0).all()
    registry = build.query("select * from ml.ml_model_registry").sort_values("run_at")
    assert drift["baseline_run_id"].unique().tolist() == [registry["run_id"].iloc[1]]


def test_the_publish_after_a_failed_run_appends_what_both_wrote(monitoring) -> None:
    """February's build failed on the drift alert after writing its history rows; March's
    publish appends to what users read only the rows written since January's publish
    (February's and March's, by `written_at`), and the published history equals the build's."""
    build = monitoring["builds"]["mar"]
    appended = re.search(r"Published \d+ marts \(\d+ renamed, (\d+) appended", build.output)
    assert appended and int(appended.group(1)) >= 2, build.output[-3000:]
    for name in ("customer_segment_memberships", "segment_audience_changes", "segment_migrations"):
        published = build.query(f"select * from main.{name}")
        built = build.query(f"select * from marts_build.{name}")
        columns = list(built.columns)
        pd.testing.assert_frame_equal(
            published.sort_values(columns).reset_index(drop=True),
            built.sort_values(columns).reset_index(drop=True),
            check_exact=True,
            obj=name,
        )
    writes = build.query(
        "select run_at, count(distinct written_at) as n_writes, min(written_at) as written_at"
        " from main.customer_segment_memberships group by run_at order by run_at"
    )
    # one row per month (February's too), each written once, by three different builds
    assert writes["n_writes"].tolist() == [1, 1, 1]
    assert writes["written_at"].is_monotonic_increasing and writes["written_at"].nunique() == 3


def test_share_change_warning_matches_the_table(monitoring) -> None:
    build = monitoring["builds"]["feb"]
    changes = monitoring["shares_feb"]  # read right after February's build
    segments = monitoring["segments"]
    shares = {m: segments[m]["segment_id"].value_counts(normalize=True) for m in ("jan", "feb")}
    for month, column in (("jan", "previous_share"), ("feb", "current_share")):
        ours = changes.set_index("segment_id")[column]
        assert ours.loc[shares[month].index].to_numpy() == pytest.approx(shares[month].to_numpy())
    # independent: the segments whose share moved by more than the threshold, from pandas
    moved = (shares["feb"].sub(shares["jan"], fill_value=0) * 100).abs() > FEB_WARN_PP
    assert moved.sum() > 0  # the payments shift moves customers: the warning must fire
    match = re.search(
        r"Warning in test segment_share_change_within_warn_threshold.*?\n.*?Got (\d+) results?",
        build.output,
        re.S,
    )
    assert match, build.output[-3000:]
    assert int(match.group(1)) == int(moved.sum())


def test_audience_changes_are_the_set_differences_of_two_runs(monitoring) -> None:
    build = monitoring["builds"]["mar"]
    changes = build.table("segment_audience_changes")
    registry = build.query("select * from ml.ml_model_registry").sort_values("run_at")
    feb_run = registry["run_id"].iloc[1]
    ours = changes[changes["run_id"] == feb_run]
    before = monitoring["segments"]["jan"]
    after = monitoring["segments"]["feb"]
    moved = 0
    for segment in sorted(set(before["segment_id"]) | set(after["segment_id"])):
        was = set(before.loc[before["segment_id"] == segment, "customer_id"])
        now = set(after.loc[after["segment_id"] == segment, "customer_id"])
        rows = ours[ours["segment_id"] == segment].groupby("audience_change")["customer_id"]
        got = {change: set(ids) for change, ids in rows}
        assert got.get("entered", set()) == now - was, segment
        assert got.get("exited", set()) == was - now, segment
        assert got.get("stayed", set()) == now & was, segment
        assert len(got.get("entered", set())) + len(got.get("exited", set())) == len(was ^ now)
        moved += len(now - was)
    assert moved > 0  # the shift moved customers, so the test is not vacuous
    print(f"customers who changed segment after the shift: {moved}")


def test_audience_files_hold_the_latest_run(monitoring) -> None:
    build = monitoring["builds"]["mar"]
    changes = build.table("segment_audience_changes")
    latest = changes[changes["run_at"] == changes["run_at"].max()]
    manifest = monitoring["exported_mar"].set_index("file_name")
    folder = build.exports / "audiences"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"segment_{s}.csv" for s in latest["segment_id"].unique()
    )
    for segment, rows in latest.groupby("segment_id"):
        written = pd.read_csv(folder / f"segment_{segment}.csv", dtype={"customer_id": str})
        assert written["customer_id"].tolist() == sorted(rows["customer_id"])
        assert (written["audience_change"] == "stayed").all()  # March = February
        assert manifest.loc[f"audiences/segment_{segment}.csv", "n_rows"] == len(rows)


def test_history_exports_write_one_file_per_run_and_keep_the_published_ones(monitoring) -> None:
    """The memberships are exported one file per run: February's failed build changes no file,
    March's publish writes February's and March's runs (both new to the exports) and leaves
    January's file as it was (same inode and mtime: not rewritten); the files together equal
    the published table."""
    build = monitoring["builds"]["mar"]
    runs = build.query(
        "select run_id, count(*) as n from main.customer_segment_memberships group by 1"
    )
    assert len(runs) == 3  # January, February (built, not published), March
    january, february, march = (monitoring[f"history_files_{m}"] for m in MONTHS)
    assert february == january and len(january) == 1
    assert set(march) == {f"{run_id}.parquet" for run_id in runs["run_id"]}
    (january_file,) = january
    assert march[january_file] == january[january_file]
    folder = build.exports / "customer_segment_memberships"
    exported = pd.read_parquet(folder).drop(
        columns=["published_run_id", "published_run_at", "published_input_fingerprint"]
    )
    table = build.table("customer_segment_memberships")
    key = ["run_id", "customer_id"]
    pd.testing.assert_frame_equal(
        exported.sort_values(key, ignore_index=True)[table.columns],
        table.sort_values(key, ignore_index=True),
        check_dtype=False,
    )


def test_a_new_input_lineage_starts_its_own_baseline(monitoring) -> None:
    """February's drifted file, built as a new lineage (as a first run on other data is): no
    baseline, so no alert, and it is published. Runs last: it changes the warehouse."""
    build = monitoring["builds"]["mar"].dbt(
        ["build"],
        {
            "customers_csv": str(monitoring["feb_file"]),
            "as_of_date": "2026-04-30",
            "input_lineage": "other-bank",
        },
    )
    drift = build.table("feature_drift")
    assert (drift["drift_status"] == "no_baseline").all()
    run = build.table("segmentation_run").iloc[0]
    assert run["input_lineage"] == "other-bank"
    assert str(run["run_at"]).startswith("2026-04-30")
    lineages = build.query("select distinct input_lineage from ml.ml_feature_baseline order by 1")[
        "input_lineage"
    ].tolist()
    assert lineages == ["default", "other-bank"]  # the file paths are not the bundled sample
