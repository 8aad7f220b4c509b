"""Segment history: four month-by-month `dbt build`s into ONE warehouse.

January: synthetic customers (generator, seed 11). February: the archetypes drifted (amounts
+10 %, other shares, so "installment" becomes the largest cluster and k-means' size-ordered ids
change), another seed, rows shuffled, 200 customers left and 200 new. March: February's rows in
reverse order with k = 5. April: the same rows with k = 3. Checked against the generator's true
archetypes, pandas crosstabs and an independent scipy assignment.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import silhouette_score

from customer_segmentation import generator
from customer_segmentation.report import load_report_data, render_report
from customer_segmentation.schema import CC_GENERAL_COLUMNS

MONTHS = {"jan": "2026-01-31", "feb": "2026-02-28", "mar": "2026-03-31", "apr": "2026-04-30"}
#: Tables read after each build, schema-qualified (the inner layers have their own schemas).
TABLES = {
    "customer_segments": "main",
    "segment_personas": "main",
    "ml_segment_centroids": "ml",
    "ml_kmeans_centroids": "ml",
    "int_feature_scaling_parameters": "intermediate",
    "ml_centroid_history": "ml",
    "ml_model_registry": "ml",
    "customer_segment_history": "history",
    "segment_migrations": "main",
    "customer_segment_transitions": "main",
}
MAX_DISTANCE = 2.0  # the default of var segment_match_max_distance


def drifted_archetypes() -> tuple[generator.Archetype, ...]:
    shares = {"low_activity": 0.27, "revolver": 0.18, "installment": 0.40, "transactor": 0.15}
    return tuple(
        dataclasses.replace(
            archetype,
            share=shares[archetype.name],
            oneoff_amount=archetype.oneoff_amount * 1.1,
            installment_amount=archetype.installment_amount * 1.1,
            cash_advance_amount=archetype.cash_advance_amount * 1.1,
            balance=archetype.balance * 1.1,
            credit_limit=archetype.credit_limit * 1.1,
        )
        for archetype in generator.ARCHETYPES
    )


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame[list(CC_GENERAL_COLUMNS)].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def history(
    dbt_database_runner: Callable[[], Callable[..., object]],
    schedule_environment: Callable[..., dict],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict:
    work = tmp_path_factory.mktemp("history")
    january = generator.generate_customers(3000, seed=11)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generator, "ARCHETYPES", drifted_archetypes())
        february = generator.generate_customers(3200, seed=12)
    february = february.iloc[200:].sample(frac=1.0, random_state=3).reset_index(drop=True)
    files = {
        "jan": write_csv(january, work / "jan.csv"),
        "feb": write_csv(february, work / "feb.csv"),
        "mar": write_csv(february.iloc[::-1], work / "mar.csv"),
    }
    files["apr"] = files["mar"]
    settings = {"mar": {"n_clusters": 5}, "apr": {"n_clusters": 3}}
    run = dbt_database_runner()
    result: dict = {"truth": {}, "tables": {}, "run": run}
    for month, as_of in MONTHS.items():
        # as a monthly schedule runs: the input and the date from the environment (no re-parse)
        scheduled = schedule_environment(files[month], as_of)
        build = run(["build"], settings.get(month), env=scheduled)
        result["tables"][month] = {
            name: build.query(f"select * from {schema}.{name}") for name, schema in TABLES.items()
        }
    result["database"] = build.database
    truth = {"jan": january, "feb": february, "mar": february, "apr": february}
    result["truth"] = {m: f.set_index("CUST_ID")["archetype"] for m, f in truth.items()}
    return result


def majority(history: dict, month: str, column: str = "segment_id") -> dict:
    segments = history["tables"][month]["customer_segments"].set_index("customer_id")
    truth = history["truth"][month].loc[segments.index]
    return segments.groupby(truth.to_numpy())[column].agg(lambda s: s.value_counts().idxmax())


def fit_ids(history: dict, month: str) -> dict:
    centroids = history["tables"][month]["ml_segment_centroids"]
    pairs = centroids.drop_duplicates("raw_segment_id")
    return dict(zip(pairs["raw_segment_id"], pairs["segment_id"], strict=True))


def test_refit_on_drifted_data_keeps_the_ids_of_the_archetypes(history) -> None:
    january, february = majority(history, "jan"), majority(history, "feb")
    assert len(set(january.values)) == 4  # every archetype has its own segment
    # k-means' own (size-ordered) ids changed between the runs: installment became the largest
    assert fit_ids(history, "jan") == {1: 1, 2: 2, 3: 3, 4: 4}
    assert fit_ids(history, "feb") != {1: 1, 2: 2, 3: 3, 4: 4}
    raw_of_stable = {stable: raw for raw, stable in fit_ids(history, "feb").items()}
    assert raw_of_stable[february["installment"]] == 1  # k-means' largest cluster in February
    assert february["installment"] == january["installment"] != 1
    # ... yet every archetype keeps its stable id, and its persona
    assert february.to_dict() == january.to_dict()
    assert (
        majority(history, "feb", "segment_name").to_dict()
        == majority(history, "jan", "segment_name").to_dict()
    )


def test_matching_equals_an_independent_scipy_assignment(history) -> None:
    jan = history["tables"]["jan"]["ml_centroid_history"]
    feb = history["tables"]["feb"]
    scaler = feb["int_feature_scaling_parameters"].set_index("feature_name")
    features = sorted(scaler.index)
    previous = jan.pivot(index="segment_id", columns="feature_name", values="centroid_raw_value")
    # January's raw centroids are its z centroids through January's scaler
    jan_scaler = history["tables"]["jan"]["int_feature_scaling_parameters"].set_index(
        "feature_name"
    )
    jan_z = history["tables"]["jan"]["ml_kmeans_centroids"].pivot(
        index="segment_id", columns="feature_name", values="centroid_value"
    )
    np.testing.assert_allclose(
        previous[features].to_numpy(),
        jan_z[features].to_numpy() * jan_scaler.loc[features, "feature_scale"].to_numpy()
        + jan_scaler.loc[features, "feature_mean"].to_numpy(),
        rtol=1e-9,
    )
    common_previous = (previous[features] - scaler.loc[features, "feature_mean"]) / scaler.loc[
        features, "feature_scale"
    ]
    current = feb["ml_kmeans_centroids"].pivot(
        index="segment_id", columns="feature_name", values="centroid_value"
    )[features]
    cost = np.sqrt(
        ((current.to_numpy()[:, None, :] - common_previous.to_numpy()[None, :, :]) ** 2).sum(2)
    )
    rows, cols = linear_sum_assignment(cost)
    expected = {
        int(current.index[r]): int(common_previous.index[c])
        for r, c in zip(rows, cols, strict=True)
    }
    assert fit_ids(history, "feb") == expected
    assert cost[rows, cols].max() < MAX_DISTANCE  # drift is small: every segment matched
    registry = feb["ml_model_registry"].set_index("run_at").iloc[-1]
    assert (registry["n_matched_segments"], registry["n_new_segments"]) == (4, 0)


def independent_matching(history: dict, before: str, after: str) -> dict:
    """Raw fit id of `after` -> (stable id of `before` it is assigned to, or None; distance):
    scipy's linear_sum_assignment on the Euclidean distances between `after`'s z centroids and
    `before`'s raw centroids put through `after`'s scaler."""
    previous_rows = history["tables"][before]["ml_centroid_history"]
    previous_rows = previous_rows[previous_rows["run_at"] == pd.Timestamp(MONTHS[before])]
    tables = history["tables"][after]
    scaler = tables["int_feature_scaling_parameters"].set_index("feature_name")
    features = sorted(scaler.index)
    previous = previous_rows.pivot(
        index="segment_id", columns="feature_name", values="centroid_raw_value"
    )[features]
    previous = (previous - scaler.loc[features, "feature_mean"]) / scaler.loc[
        features, "feature_scale"
    ]
    current = tables["ml_kmeans_centroids"].pivot(
        index="segment_id", columns="feature_name", values="centroid_value"
    )[features]
    cost = np.sqrt(((current.to_numpy()[:, None, :] - previous.to_numpy()[None, :, :]) ** 2).sum(2))
    rows, cols = linear_sum_assignment(cost)
    result: dict = {int(raw): (None, np.inf) for raw in current.index}
    for r, c in zip(rows, cols, strict=True):
        result[int(current.index[r])] = (int(previous.index[c]), float(cost[r, c]))
    return result


def test_migration_matrix_equals_a_pandas_crosstab(history) -> None:
    before = history["tables"]["jan"]["customer_segments"].set_index("customer_id")["segment_id"]
    after = history["tables"]["feb"]["customer_segments"].set_index("customer_id")["segment_id"]
    both = pd.concat([before.rename("from"), after.rename("to")], axis=1).fillna(-1)
    expected = pd.crosstab(both["from"], both["to"]).stack()
    expected = expected[expected > 0]
    migrations = history["tables"]["feb"]["segment_migrations"]
    assert (migrations["run_at"] == pd.Timestamp(MONTHS["feb"])).all()
    ours = migrations.assign(
        from_id=migrations["from_segment_id"].fillna(-1),
        to_id=migrations["to_segment_id"].fillna(-1),
    ).set_index(["from_id", "to_id"])
    assert ours["n_customers"].to_dict() == {
        (float(f), float(t)): int(n) for (f, t), n in expected.items()
    }
    by_row = pd.crosstab(both["from"], both["to"], normalize="index").stack()
    for (from_id, to_id), row in ours.iterrows():
        assert row["share_of_from_segment"] == pytest.approx(by_row[(from_id, to_id)], rel=1e-12)
        assert row["share_of_customers"] == pytest.approx(row["n_customers"] / len(both))
    # 200 customers left, 200 are new
    assert ours.loc[ours["transition_type"] == "left", "n_customers"].sum() == 200
    assert ours.loc[ours["transition_type"] == "new", "n_customers"].sum() == 200


def test_customer_transitions_of_the_latest_run(history) -> None:
    before = history["tables"]["jan"]["customer_segments"].set_index("customer_id")
    after = history["tables"]["feb"]["customer_segments"].set_index("customer_id")
    transitions = history["tables"]["feb"]["customer_segment_transitions"].set_index("customer_id")
    assert set(transitions.index) == set(before.index) | set(after.index)
    assert transitions["from_segment_id"].dropna().to_dict() == before["segment_id"].to_dict()
    assert transitions["to_segment_id"].dropna().to_dict() == after["segment_id"].to_dict()
    common = before.index.intersection(after.index)
    moved = before.loc[common, "segment_id"] != after.loc[common, "segment_id"]
    types = transitions["transition_type"]
    assert set(types[types == "moved"].index) == set(moved[moved].index)
    assert types.value_counts()[["new", "left"]].tolist() == [200, 200]
    assert (transitions["run_at"] == pd.Timestamp(MONTHS["feb"])).all()
    assert (transitions["previous_run_at"] == pd.Timestamp(MONTHS["jan"])).all()


def test_snapshot_versions_are_stamped_with_the_as_of_dates(history) -> None:
    snapshot = history["tables"]["feb"]["customer_segment_history"]
    jan, feb = pd.Timestamp(MONTHS["jan"]), pd.Timestamp(MONTHS["feb"])
    assert set(snapshot["dbt_valid_from"]) == {jan, feb}
    left = set(history["tables"]["jan"]["customer_segments"]["customer_id"]) - set(
        history["tables"]["feb"]["customer_segments"]["customer_id"]
    )
    closed = snapshot[snapshot["customer_id"].isin(left)]
    assert len(closed) == 200 and (closed["dbt_valid_to"] == feb).all()
    current = snapshot[snapshot["dbt_valid_to"].isna()].set_index("customer_id")
    after = history["tables"]["feb"]["customer_segments"].set_index("customer_id")
    assert current["segment_id"].to_dict() == after["segment_id"].to_dict()


def test_registry_has_one_row_per_run_with_fingerprints(history) -> None:
    registry = history["tables"]["apr"]["ml_model_registry"].sort_values("run_at")
    assert registry["run_at"].tolist() == [pd.Timestamp(d) for d in MONTHS.values()]
    assert registry["run_id"].is_unique
    fingerprints = registry.set_index(registry["run_at"].dt.month)["input_fingerprint"]
    assert fingerprints[1] != fingerprints[2]
    assert fingerprints[2] == fingerprints[3] == fingerprints[4]  # same rows, other order
    assert registry["n_clusters"].tolist() == [4, 4, 5, 3]
    assert registry["n_input_customers"].tolist() == [3000, 3000, 3000, 3000]
    # the silhouette, from scikit-learn on each run's z features: the documented sample of
    # silhouette_sample_size customers (id order, numpy default_rng(42)), nearest-centroid labels
    for position, month in enumerate(MONTHS):
        tables = history["tables"][month]
        scaler = tables["int_feature_scaling_parameters"].set_index("feature_name")
        names = sorted(scaler.index)
        segments = tables["customer_segments"].sort_values("customer_id")
        z = (segments[names] - scaler.loc[names, "feature_mean"]) / scaler.loc[
            names, "feature_scale"
        ]
        size = int(registry["silhouette_sample_size"].iloc[position])
        assert size == min(2000, len(segments))
        rows = np.sort(np.random.default_rng(42).choice(len(z), size=size, replace=False))
        expected = silhouette_score(z.to_numpy()[rows], segments["segment_id"].to_numpy()[rows])
        assert registry["silhouette"].iloc[position] == pytest.approx(expected, rel=1e-9), month
    january = history["tables"]["jan"]
    assert registry["fit_inertia"].iloc[0] == pytest.approx(
        january["ml_kmeans_centroids"]["fit_inertia"].iloc[0], rel=1e-12
    )
    assert '"as_of_date": "2026-03-31"' in registry["run_vars"].iloc[2]
    assert '"n_clusters": 5' in registry["run_vars"].iloc[2]


def test_more_segments_get_new_ids_and_fewer_retire_ids(history) -> None:
    registry = history["tables"]["apr"]["ml_model_registry"].sort_values("run_at")
    march, april = registry.iloc[2], registry.iloc[3]
    # k 4 -> 5: the four archetypes keep their ids, the extra segment gets id 5
    assert march["segment_ids"] == "1,2,3,4,5"
    assert (march["n_matched_segments"], march["n_new_segments"]) == (4, 1)
    assert majority(history, "mar").to_dict() == majority(history, "jan").to_dict()
    # k 5 -> 3: two ids are retired; matched ids are old ids, new ids would start at 6
    april_ids = {int(s) for s in april["segment_ids"].split(",")}
    retired = {int(s) for s in april["retired_segment_ids"].split(",")}
    assert april["n_retired_segments"] == 2 and retired == {1, 2, 3, 4, 5} - april_ids
    # the matching, computed here: scipy's assignment of April's centroids to March's (both in
    # April's z units), a pair kept only within the max distance, the rest get ids from 6 up
    expected = independent_matching(history, "mar", "apr")
    matched = {raw: old for raw, (old, cost) in expected.items() if cost <= MAX_DISTANCE}
    n_new = len(expected) - len(matched)
    assert (april["n_matched_segments"], april["n_new_segments"]) == (len(matched), n_new)
    assert {raw: fit_ids(history, "apr")[raw] for raw in matched} == matched
    assert april_ids - set(matched.values()) == set(range(6, 6 + n_new))
    rows = history["tables"]["apr"]["ml_centroid_history"]
    matched = rows[(rows["run_at"] == pd.Timestamp(MONTHS["apr"])) & rows["match_distance"].notna()]
    assert (matched["match_distance"] <= MAX_DISTANCE).all()
    # the customers' ids in April are the ones of the segments kept
    assert set(history["tables"]["apr"]["customer_segments"]["segment_id"]) == april_ids
    # low-activity customers (the largest, most stable archetype) keep their id throughout
    assert majority(history, "apr")["low_activity"] == majority(history, "jan")["low_activity"]
    # the migration matrix now covers three consecutive pairs
    migrations = history["tables"]["apr"]["segment_migrations"]
    assert migrations["run_at"].nunique() == 3
    assert (migrations.groupby("run_at")["n_customers"].sum() == [3200, 3000, 3000]).all()


def test_replaying_an_earlier_date_or_a_bad_date_fails_clearly(history) -> None:
    run = history["run"]
    bad = run(["run", "--select", "ml_fit_run"], {"as_of_date": "2026-13-01"}, check=False)
    assert bad.returncode != 0
    assert "var 'as_of_date' must be a date 'YYYY-MM-DD'" in bad.output
    earlier = run(
        ["run", "--select", "ml_fit_run", "ml_centroid_history"],
        env={"SEGMENTATION_AS_OF": "2026-02-15"},
        check=False,
    )
    assert earlier.returncode != 0
    assert "is before the latest run in the history (2026-04-30 00:00:00)" in earlier.output


def test_report_after_four_months_shows_changes_migrations_and_drift(history, tmp_path) -> None:
    """The monthly report on the April warehouse: change since March per segment, the March ->
    April migration matrix (equal to segment_migrations), drift lights; laid out cleanly."""
    with duckdb.connect(str(history["database"]), read_only=True) as con:
        data = load_report_data(con)
        expected = con.sql(
            "select from_segment_id, to_segment_id, n_customers from segment_migrations"
            " where run_at = (select max(run_at) from segment_migrations)"
            " and to_segment_id is not null"
        ).df()
    assert data.share_changes is not None and data.migrations is not None
    assert data.share_changes["previous_run_id"].notna().all()
    assert not any("No earlier run" in note for note in data.notes)
    april = history["tables"]["apr"]["segment_personas"]
    assert len(data.personas) == len(april) == 3
    got = data.migrations.dropna(subset=["to_segment_id"])
    pd.testing.assert_frame_equal(
        got[["from_segment_id", "to_segment_id", "n_customers"]]
        .astype("int64")
        .sort_values(["from_segment_id", "to_segment_id"])
        .reset_index(drop=True),
        expected.astype("int64")
        .sort_values(["from_segment_id", "to_segment_id"])
        .reset_index(drop=True),
    )
    assert data.drift is not None and set(data.drift["drift_status"]) <= {"ok", "warn", "alert"}
    page = tmp_path / "report.html"
    page.write_text(render_report(data), encoding="utf-8")
    text = page.read_text(encoding="utf-8")
    assert 'id="migration-matrix"' in text
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium not installed; required when CI=true (.ci/run installs it)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    command += ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000"]
    command += ["--window-size=1280,2200", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*command, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert 'data-layout-problems="0"' in dom.stdout
    assert dom.stdout.count('class="card"') == 3
    assert "▲" in dom.stdout or "▼" in dom.stdout  # a size changed since March


HISTORY_MARTS = (
    "customer_segment_memberships",
    "segment_migrations",
    "segment_audience_changes",
    "customer_segment_transitions",
    "segment_share_changes",
)


def test_incremental_history_equals_a_full_rebuild(history, run_dbt, tmp_path) -> None:
    """After four monthly runs, each appending only its own run, the history marts equal the
    same marts rebuilt from scratch over the whole history (`--full-refresh`), and what users
    read equals them: each publish appended only the rows written since the last one
    (`written_at`) to the published tables."""
    rebuilt = tmp_path / "segmentation.duckdb"
    shutil.copy(history["database"], rebuilt)
    run_dbt(["run", "--select", "marts.history", "--full-refresh"], rebuilt)

    def read(database: Path, name: str, schema: str = "marts_build") -> pd.DataFrame:
        with duckdb.connect(str(database), read_only=True) as con:
            frame = con.sql(f"select * from {schema}.{name}").df()
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    def without_written_at(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.drop(columns=["written_at"], errors="ignore")
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    for name in HISTORY_MARTS:
        appended, full = read(history["database"], name), read(rebuilt, name)
        pd.testing.assert_frame_equal(
            without_written_at(appended), without_written_at(full), check_exact=True, obj=name
        )
        published = read(history["database"], name, "main")
        pd.testing.assert_frame_equal(published, appended, check_exact=True, obj=f"main.{name}")
    memberships = read(history["database"], "customer_segment_memberships")
    assert memberships["run_id"].nunique() == len(MONTHS)
    # one build wrote each run's rows: four builds, four times
    assert memberships.groupby("run_id")["written_at"].nunique().eq(1).all()
    assert memberships["written_at"].nunique() == len(MONTHS)
    migrations = read(history["database"], "segment_migrations")
    assert migrations["run_id"].nunique() == len(MONTHS) - 1


def test_history_tests_check_the_rows_not_yet_published(history, run_dbt, tmp_path) -> None:
    """The history marts' data tests check the rows written since the last publish (`where:
    __not_yet_published__`, macros/generic_tests/get_where_subquery.sql): a repeated row among
    them fails the uniqueness test, while the published rows were checked by the builds that
    wrote them and are not scanned again."""
    database = tmp_path / "segmentation.duckdb"
    shutil.copy(history["database"], database)
    # (the four builds of the fixture ran these tests and passed)
    select = ["--select", "customer_segment_memberships,test_type:data"]
    with duckdb.connect(str(database)) as con:
        # a later (not yet published) build that wrote one membership twice
        for _ in range(2):
            con.execute(
                "insert into marts_build.customer_segment_memberships"
                " select * replace ('run-x' as run_id, written_at + interval 1 day as written_at)"
                " from marts_build.customer_segment_memberships order by customer_id limit 1"
            )
    failed = run_dbt(["test", *select], database, check=False)
    assert failed.returncode != 0
    assert re.search(r"FAIL 1 customer_segment_memberships_row_rules", failed.output)
    # the same rows dated like the published ones are not looked at again
    with duckdb.connect(str(database)) as con:
        con.execute(
            "update marts_build.customer_segment_memberships set written_at ="
            " (select max(written_at) from marts_build.customer_segment_memberships__published)"
            " where written_at > (select max(written_at)"
            " from marts_build.customer_segment_memberships__published)"
        )
    assert run_dbt(["test", *select], database).returncode == 0
