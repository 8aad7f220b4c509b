"""`make test-spark`: the same project on DuckDB and on Spark gives the same results.

Builds the bundled sample, with a few malformed rows added so quarantine has something to
compare, once on the `duck` target and once on `spark_local` (in-process Spark through the
segmentation-spark-dbt launcher), then compares every table Spark publishes, and quarantine:
same tables, same row counts, same customer ids, same labels, same strings, and numbers equal
to 1e-9 relative (the sums are exact DECIMAL sums on both engines; what is left is the last bits
of the double arithmetic around them). Spark tables are plain Parquet in the local warehouse,
read here with DuckDB, so the test needs no second JVM.

Marked `spark`: not part of the default `make test` run (it needs requirements-spark.txt).
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.spark

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SAMPLE = PROJECT_DIR / "seeds" / "sample_customers.csv"
SPARK_SCHEMA = "segmentation"
# Marts that need Delta / Iceberg tables for the snapshot they read (docs/spark.md, "What runs
# where"): built on DuckDB, not on plain-Parquet Spark.
DUCKDB_ONLY_MARTS = {
    "customer_segment_memberships",
    "customer_segment_transitions",
    "segment_migrations",
    "segment_share_changes",
    "segment_audience_changes",
}
# Columns that describe the invocation, not the data.
VOLATILE_COLUMNS = {
    "run_id",
    "run_at",
    "previous_run_id",
    "previous_run_at",
    "sweep_run_id",
    "sweep_run_at",
    # the lifecycle: the scoring model is this run's fit (its id), the stores' schema differs
    "model_run_id",
    "parameter_store",
}
RELATIVE_TOLERANCE = 1e-9
ENGINES = ("duck", "spark")
# the run dates of the monthly builds (the first is `builds`; the others `lifecycle_months`)
MONTHS = ("2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31")


def malformed_sample(path: Path) -> Path:
    """The bundled sample plus one row per kind of problem validation quarantines."""
    with SAMPLE.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = list(rows[0])
    first = rows[0]
    bad = [
        {**first, "CUST_ID": "BAD0001", "BALANCE": "12,5x"},  # non-numeric
        {**first, "CUST_ID": "BAD0002", "PURCHASES_FREQUENCY": "1.5"},  # out of range
        {**first, "CUST_ID": ""},  # missing id
        {**first},  # duplicate of the first row's id
        {**first, "CUST_ID": "BAD0003", "PURCHASES": "999999"},  # purchases mismatch
        {**first, "CUST_ID": "BAD0004", "MINIMUM_PAYMENTS": ""},  # missing value (imputed)
    ]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows + bad)
    return path


def run(command: list[str], env: dict[str, str], log: Path) -> str:
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-6000:]
        raise AssertionError(f"{' '.join(command[:3])} failed:\n{output}")
    return result.stdout


def work_env(work: Path, unit_tests: bool = False) -> dict[str, str]:
    """The environment of a build in `work`; `unit_tests` adds SEGMENTATION_UNIT_TESTS=true
    (a plain `dbt build` leaves the SQL unit tests out)."""
    env = {key: value for key, value in os.environ.items() if key != "SEGMENTATION_UNIT_TESTS"}
    env |= {
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "0",
        "SEGMENTATION_DB": str(work / "duck.duckdb"),
        "SEGMENTATION_EXPORTS_DIR": str(work / "exports"),
        "SEGMENTATION_SPARK_DIR": str(work / "spark"),
    }
    return env | ({"SEGMENTATION_UNIT_TESTS": "true"} if unit_tests else {})


def build(
    work: Path,
    engine: str,
    variables: dict,
    label: str,
    *extra: str,
    command: str = "build",
    unit_tests: bool = False,
) -> str:
    """One `dbt build` (or `command`) of the warehouse in `work` on `engine` ("duck" or
    "spark"), with the SQL unit tests when `unit_tests`; its standard output."""
    launcher = "dbt" if engine == "duck" else "segmentation-spark-dbt"
    target = "duck" if engine == "duck" else "spark_local"
    arguments = [str(BIN / launcher), command, "--target", target, "--vars", json.dumps(variables)]
    arguments += ["--target-path", str(work / f"target-{engine}"), "--log-path", str(work)]
    env = work_env(work, unit_tests)
    return run([*arguments, *extra], env, work / f"{engine}-{label}-{command}.log")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(DuckDB file, Spark warehouse schema folder) of the two builds of the same input."""
    work = tmp_path_factory.mktemp("spark_vs_duck")
    data = malformed_sample(work / "customers.csv")
    # `dbt build` on both engines: seeds, models, snapshots, the data tests, and the SQL unit
    # tests (SEGMENTATION_UNIT_TESTS=true: they hold under every documented var and on Spark)
    variables = {"customers_csv": str(data), "as_of_date": MONTHS[0]}
    for engine in ENGINES:
        output = build(work, engine, variables, "2026-01", unit_tests=True)
        unit_tests = [line for line in output.splitlines() if "PASS" in line and "::test_" in line]
        assert len(unit_tests) >= 20, f"{engine}: the SQL unit tests did not run:\n{output}"
    return work / "duck.duckdb", work / "spark" / "warehouse"


def spark_table(warehouse: Path, schema: str, name: str) -> pd.DataFrame:
    folder = warehouse / f"{schema}.db" / name
    # `**`: a partitioned table (ml_feature_baseline, by run_at) keeps its files in subfolders
    with duckdb.connect() as con:
        return con.sql(f"select * from read_parquet('{folder}/**/*.parquet')").df()


def duck_table(database: Path, schema: str, name: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql(f'select * from {schema}."{name}"').df()


def duck_tables(database: Path, schema: str) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    return {row[0] for row in rows}


def spark_tables(warehouse: Path, schema: str) -> set[str]:
    return {path.name for path in (warehouse / f"{schema}.db").iterdir() if path.is_dir()}


def is_float(series: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(series) or str(series.dtype).startswith("decimal")


def normalized(frame: pd.DataFrame) -> pd.DataFrame:
    """Volatile columns dropped, columns sorted, rows ordered by every non-float column."""
    frame = frame.drop(columns=[c for c in frame.columns if c in VOLATILE_COLUMNS])
    frame = frame[sorted(frame.columns)]
    for column in frame.columns:
        numeric_objects = frame[column].dtype == object and all(
            isinstance(value, (float, int)) or value is None for value in frame[column]
        )
        if str(frame[column].dtype).startswith("decimal") or numeric_objects:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    keys = [c for c in frame.columns if not is_float(frame[c])]
    return frame.sort_values(keys, kind="stable", ignore_index=True) if keys else frame


def assert_same_table(name: str, duck: pd.DataFrame, spark: pd.DataFrame) -> None:
    duck, spark = normalized(duck), normalized(spark)
    assert list(duck.columns) == list(spark.columns), f"{name}: columns differ"
    assert len(duck) == len(spark), f"{name}: {len(duck)} rows on DuckDB, {len(spark)} on Spark"
    for column in duck.columns:
        left, right = duck[column], spark[column]
        if is_float(left) or is_float(right):
            a = left.to_numpy(dtype=np.float64, na_value=np.nan)
            b = right.to_numpy(dtype=np.float64, na_value=np.nan)
            assert (np.isnan(a) == np.isnan(b)).all(), f"{name}.{column}: NULLs differ"
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-6)
            worst = float(np.max(np.abs(a - b) / scale)) if len(a) else 0.0
            assert worst <= RELATIVE_TOLERANCE, f"{name}.{column}: relative difference {worst}"
        else:
            same = left.astype("string").fillna("<NULL>") == right.astype("string").fillna("<NULL>")
            assert same.all(), (
                f"{name}.{column} differs, e.g. DuckDB {left[~same].iloc[0]!r} vs Spark "
                f"{right[~same].iloc[0]!r}"
            )


def test_spark_publishes_every_mart_but_the_snapshot_history(builds) -> None:
    database, warehouse = builds
    # DuckDB's build schema also holds the published tables `<mart>__published` (decision 019)
    duck_marts = {
        name for name in duck_tables(database, "marts_build") if not name.endswith("__published")
    }
    assert spark_tables(warehouse, f"{SPARK_SCHEMA}_marts_build") == duck_marts - DUCKDB_ONLY_MARTS
    published = spark_tables(warehouse, SPARK_SCHEMA)
    assert duck_marts - DUCKDB_ONLY_MARTS <= published


#: the segment marts every run publishes (fit and score runs), compared between the engines
SEGMENT_MARTS = (
    "customer_segments",
    "segment_profiles",
    "segment_personas",
    "pca_components",
    "cluster_quality",
    "segment_explanations",
    "segment_rules",
    "segment_rule_fidelity",
    "feature_drift",
)


@pytest.mark.parametrize("name", [*SEGMENT_MARTS, "k_selection"])
def test_published_mart_is_the_same_on_both_engines(builds, name) -> None:
    database, warehouse = builds
    assert_same_table(
        name, duck_table(database, "main", name), spark_table(warehouse, SPARK_SCHEMA, name)
    )


def test_labels_and_customer_ids_are_identical(builds) -> None:
    database, warehouse = builds
    duck = duck_table(database, "main", "customer_segments")
    spark = spark_table(warehouse, SPARK_SCHEMA, "customer_segments")
    assert set(duck["customer_id"]) == set(spark["customer_id"])
    # the sample, the row with an imputed value and the two soft findings kept by default
    # (frequency out of range, purchases mismatch)
    assert len(duck) == len(spark) == 5000 + 3
    joined = duck[["customer_id", "segment_id"]].merge(
        spark[["customer_id", "segment_id"]], on="customer_id", suffixes=("", "_spark")
    )
    assert len(joined) == len(duck)
    assert (joined["segment_id"] == joined["segment_id_spark"]).all()


def test_quarantine_is_identical(builds) -> None:
    database, warehouse = builds
    duck = duck_table(database, "main", "quarantine")
    assert len(duck) >= 5
    assert_same_table("quarantine", duck, spark_table(warehouse, SPARK_SCHEMA, "quarantine"))


@pytest.mark.parametrize(
    "name", ["int_feature_scaling_parameters", "ml_kmeans_centroids", "ml_pca_loadings"]
)
def test_fitted_parameters_are_the_same(builds, name) -> None:
    database, warehouse = builds
    assert_same_table(
        name,
        duck_table(database, "ml" if name.startswith("ml_") else "intermediate", name),
        spark_table(warehouse, SPARK_SCHEMA, name),
    )


def test_spark_warehouse_is_left_for_inspection(builds) -> None:
    """The Spark tables are ordinary Parquet folders (no Delta log)."""
    _, warehouse = builds
    folder = warehouse / f"{SPARK_SCHEMA}.db" / "customer_segments"
    assert any(folder.glob("*.parquet"))
    assert not (folder / "_delta_log").exists()
    assert shutil.which("java") or os.environ.get("JAVA_HOME")


# --- the model lifecycle on both engines (docs/lifecycle.md, issue 20) ------------------------
# Four more months on each engine, each a different 90 % of the sample (plus the malformed
# rows): February fits a challenger (`promotion: manual`: registered, not published); March is a
# `refit: auto` run whose champion still fits: a score run with the champion, compared with the
# waiting challenger; April promotes the challenger (`promote_run_id`) and scores with it; May
# rolls back to January's model (`champion_run_id`, a pin; `refit: never`): a score run. Each
# month is a plain `dbt build` with its data tests, as users run it; the SQL unit tests ran in
# January on both engines.
LIFECYCLE_MONTHS = (
    ("2026-02", {"refit": "always", "promotion": "manual"}),
    ("2026-03", {"refit": "auto", "promotion": "manual"}),
    ("2026-04", {"promotion": "manual", "promote_run_id": "<challenger>"}),
    ("2026-05", {"refit": "never", "champion_run_id": "<first>"}),
)
SCORE_MONTHS = ("2026-03", "2026-04", "2026-05")
LAST_MONTH = LIFECYCLE_MONTHS[-1][0]
# month -> (run_kind, model_run_id, is_promotion, is_published): the publish step marks the
# run on Spark too; the challenger run is not published
EXPECTED_RUNS = {
    "2026-01": ("fit", "2026-01", "True", "True"),
    "2026-02": ("fit", "2026-02", "False", "False"),
    "2026-03": ("score", "2026-01", "False", "True"),
    "2026-04": ("score", "2026-02", "True", "True"),
    # the rollback makes January's model the champion again: a promotion by pin
    "2026-05": ("score", "2026-01", "True", "True"),
}
COMPARISON_MARTS = ("model_comparison", "model_comparison_segments", "challenger_segment_changes")
# every mart the score runs publish on both engines, compared month by month
SCORED_MARTS = (*SEGMENT_MARTS, "quarantine")
# the incremental stores and their grain: no duplicates after five runs, on either engine
STORES = {
    "ml_k_selection": ["sweep_id", "k"],
    "ml_model_registry": ["run_id"],
    "ml_centroid_history": ["run_id", "segment_id", "feature_name"],
    "ml_feature_baseline": ["run_id", "feature_name", "bin_number"],
    "ml_model_imputation_values": ["model_run_id", "feature_name"],
    "ml_model_scaling_parameters": ["model_run_id", "feature_name"],
    "ml_model_centroids": ["model_run_id", "segment_id", "feature_name"],
    "ml_model_pca_loadings": ["model_run_id", "component", "feature_name"],
    "ml_model_personas": ["model_run_id", "segment_id"],
    "ml_model_surrogate_trees": ["model_run_id", "leaf_id"],
}
# the run ids differ between engines: they are replaced by the month of their run
LIFECYCLE_VOLATILE = {
    "run_at",
    "previous_run_at",
    "sweep_run_at",
    "published_at",
    "parameter_store",
}


def month_input(path: Path, skip: int) -> Path:
    """The malformed sample without every tenth sample row from the `skip`-th on."""
    with malformed_sample(path).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    kept = [row for index, row in enumerate(rows) if index >= 5000 or index % 10 != skip]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return path


def engine_table(engine: str, builds: tuple[Path, Path], schema: str, name: str) -> pd.DataFrame:
    """Table `name` of DuckDB schema `schema` (main, marts_build, ml), or Spark's counterpart."""
    database, warehouse = builds
    if engine == "duck":
        return duck_table(database, schema, name)
    spark_schema = f"{SPARK_SCHEMA}_marts_build" if schema == "marts_build" else SPARK_SCHEMA
    return spark_table(warehouse, spark_schema, name)


def registry(engine: str, database: Path, warehouse: Path) -> pd.DataFrame:
    if engine == "duck":
        frame = duck_table(database, "ml", "ml_model_registry")
    else:
        frame = spark_table(warehouse, SPARK_SCHEMA, "ml_model_registry")
    frame["is_published"] = frame["published_at"].notna()
    return frame.sort_values("run_at", ignore_index=True)


def run_labels(frame: pd.DataFrame) -> dict[str, str]:
    """run id -> month of the run (YYYY-MM), from a registry."""
    return {
        str(row.run_id): pd.Timestamp(row.run_at).strftime("%Y-%m") for row in frame.itertuples()
    }


def labelled(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Run ids (also inside texts) replaced by their month, volatile columns dropped."""
    frame = frame.drop(columns=[c for c in frame.columns if c in LIFECYCLE_VOLATILE]).copy()

    def label(value: object) -> object:
        if not isinstance(value, str):
            return value
        for run_id, month in labels.items():
            value = value.replace(run_id, month)
        return value

    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column].dtype):
            frame[column] = frame[column].map(label)
    return frame


@pytest.fixture(scope="module")
def lifecycle_months(builds) -> dict:
    """{month: {"duck"|"spark": {table: frame}}} after each later month on both engines; the
    run ids replaced by months."""
    database, warehouse = builds
    work = database.parent
    snapshots: dict = {}
    for index, (month, lifecycle) in enumerate(LIFECYCLE_MONTHS, start=1):
        data = month_input(work / f"customers-{month}.csv", skip=index)
        snapshots[month] = {}
        for engine in ENGINES:
            settings = dict(lifecycle)
            if settings.get("promote_run_id") == "<challenger>":
                runs = registry(engine, database, warehouse)
                waiting = runs[(runs["run_kind"] == "fit") & ~runs["is_promotion"].astype(bool)]
                settings["promote_run_id"] = str(waiting["run_id"].iloc[-1])
            if settings.get("champion_run_id") == "<first>":  # roll back to January's model
                runs = registry(engine, database, warehouse)
                settings["champion_run_id"] = str(runs["run_id"].iloc[0])
            variables = {
                "customers_csv": str(data),
                "as_of_date": MONTHS[index],
                "lifecycle": settings,
            }
            # a plain `dbt build`, as users run it every month: the data tests run on the
            # score and challenger runs too (the unit tests ran in January)
            build(work, engine, variables, month)
            labels = run_labels(registry(engine, database, warehouse))
            names = [
                *(("main", name) for name in SCORED_MARTS),
                *(("marts_build", name) for name in COMPARISON_MARTS),
                *(("ml", name) for name in STORES),
            ]
            tables = {
                f"{schema}.{name}": engine_table(engine, builds, schema, name)
                for schema, name in names
            }
            tables["ml.ml_model_registry"] = registry(engine, database, warehouse)
            snapshots[month][engine] = {
                name: labelled(frame, labels) for name, frame in tables.items()
            }
            if engine == "duck" and month == "2026-02":
                # right after the challenger run the build's tables hold the challenger's
                # parameters: a model scoring with assign_segment must get the champion's
                inline = "{{ assign_segment(ref('stg_cc_general__customers')) }}"
                compiled = build(
                    work,
                    engine,
                    variables,
                    month,
                    "--quiet",
                    "--inline",
                    inline,
                    command="compile",
                )
                with duckdb.connect(str(database), read_only=True) as con:
                    snapshots[month][engine]["assign_segment"] = con.sql(compiled).df()
    return snapshots


def test_lifecycle_decisions_are_the_same_on_both_engines(lifecycle_months) -> None:
    """The registry after the last month: the same runs, kinds, scoring models, reasons,
    promotions and publication on both engines; and the lifecycle the months asked for."""
    columns = [
        "run_kind",
        "model_run_id",
        "decision_reason",
        "champion_run_id",
        "is_promotion",
        "promotion_reason",
        "has_drift_alert",
        "n_clusters",
        "is_published",
    ]
    frames = {}
    for engine in ENGINES:
        frame = lifecycle_months[LAST_MONTH][engine]["ml.ml_model_registry"]
        frames[engine] = frame[["run_id", *columns]].astype("string").fillna("<NULL>")
    assert frames["duck"].equals(frames["spark"]), (
        f"DuckDB:\n{frames['duck']}\nSpark:\n{frames['spark']}"
    )
    months = ["2026-01", *(month for month, _ in LIFECYCLE_MONTHS)]
    expected = pd.DataFrame(
        [EXPECTED_RUNS[month] for month in months],
        columns=["run_kind", "model_run_id", "is_promotion", "is_published"],
    )
    expected.insert(0, "run_id", months)
    got = frames["spark"][expected.columns].replace({"true": "True", "false": "False"})
    assert got.reset_index(drop=True).equals(expected.astype("string")), got


@pytest.mark.parametrize("month", [month for month, _ in LIFECYCLE_MONTHS])
@pytest.mark.parametrize(
    "name", [*(f"main.{n}" for n in SCORED_MARTS), *(f"marts_build.{n}" for n in COMPARISON_MARTS)]
)
def test_lifecycle_mart_is_the_same_on_both_engines(lifecycle_months, month, name) -> None:
    duck = lifecycle_months[month]["duck"][name]
    spark = lifecycle_months[month]["spark"][name]
    if name.startswith("marts_build.model_comparison"):
        # February fits the challenger, March compares it with the champion while it waits,
        # April promotes it: each run compares the two models
        assert len(duck) > 0, f"{month} {name}: nothing compared"
    assert_same_table(f"{month} {name}", duck, spark)


def test_score_runs_publish_this_months_customers(lifecycle_months) -> None:
    """The score runs publish their own input (a different 90 % of the sample) on both engines,
    although they fit nothing."""
    for engine in ENGINES:
        customers = {
            month: set(lifecycle_months[month][engine]["main.customer_segments"]["customer_id"])
            for month, _ in LIFECYCLE_MONTHS
        }
        # February's challenger run is not published: main still holds January's input
        assert len(customers["2026-02"]) == 5000 + 3, engine
        for month in list(customers)[1:]:
            assert len(customers[month]) == 4500 + 3, (engine, month)
            assert customers[month] != customers["2026-02"], (engine, month)


@pytest.mark.parametrize("engine", ENGINES)
def test_score_runs_fit_nothing(lifecycle_months, engine) -> None:
    """A score run (`refit: auto` with a champion that still fits, a promotion, a pin) sweeps
    no k and registers no model: the stored models stay January's and February's."""
    months = [month for month, _ in LIFECYCLE_MONTHS]
    for previous, month in itertools.pairwise(months):
        if month not in SCORE_MONTHS:
            continue
        tables = lifecycle_months[month][engine]
        before = lifecycle_months[previous][engine]["ml.ml_k_selection"]
        assert len(tables["ml.ml_k_selection"]) == len(before), (engine, month, "k swept")
        registry = tables["ml.ml_model_registry"].set_index("run_id")
        assert registry.loc[month, "run_kind"] == "score", (engine, month)
    last = lifecycle_months[LAST_MONTH][engine]
    for name in ("ml_model_centroids", "ml_model_scaling_parameters", "ml_model_personas"):
        stored = set(last[f"ml.{name}"]["model_run_id"])
        assert stored == {"2026-01", "2026-02"}, (engine, name, stored)


@pytest.mark.parametrize("month", SCORE_MONTHS)
def test_score_run_assignments_equal_duckdbs(lifecycle_months, month) -> None:
    """Spark's score run assigns every customer the segment DuckDB assigns on the same input."""
    duck = lifecycle_months[month]["duck"]["main.customer_segments"]
    spark = lifecycle_months[month]["spark"]["main.customer_segments"]
    merged = duck.merge(spark, on="customer_id", suffixes=("", "_spark"), validate="1:1")
    assert len(merged) == len(duck) == len(spark) == 4500 + 3, month
    assert (merged["segment_id"] == merged["segment_id_spark"]).all(), month
    np.testing.assert_allclose(
        merged["distance_to_centroid"], merged["distance_to_centroid_spark"], rtol=1e-9
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_rollback_scores_with_the_pinned_model(lifecycle_months, engine) -> None:
    """May's rollback (pin to January's model) scores each customer as March did (January's
    model, the champion then), not as April (February's model, promoted)."""

    def segments(month: str) -> pd.DataFrame:
        frame = lifecycle_months[month][engine]["main.customer_segments"]
        return frame[["customer_id", "segment_id", "distance_to_centroid"]]

    merged = segments("2026-05").merge(segments("2026-03"), on="customer_id", validate="1:1")
    assert len(merged) > 3500, engine
    assert (merged["segment_id_x"] == merged["segment_id_y"]).all(), engine
    np.testing.assert_allclose(
        merged["distance_to_centroid_x"], merged["distance_to_centroid_y"], rtol=1e-9
    )
    merged = segments("2026-05").merge(segments("2026-04"), on="customer_id")
    assert not np.allclose(merged["distance_to_centroid_x"], merged["distance_to_centroid_y"])


@pytest.mark.parametrize("name", sorted(STORES))
def test_incremental_stores_hold_no_duplicates(lifecycle_months, name) -> None:
    """After five runs each store has one row per grain key on Spark, as on DuckDB (Spark's
    `append` / `insert_overwrite` must not repeat rows a run already stored)."""
    duck = lifecycle_months[LAST_MONTH]["duck"][f"ml.{name}"]
    spark = lifecycle_months[LAST_MONTH]["spark"][f"ml.{name}"]
    keys = [key for key in STORES[name] if key not in LIFECYCLE_VOLATILE]
    for engine, frame in (("duck", duck), ("spark", spark)):
        if keys == STORES[name]:
            assert not frame.duplicated(keys).any(), f"{engine} {name}: duplicate {keys}"
        else:  # run_at is dropped: a store keyed by run time counts rows per month instead
            assert not frame.duplicated().any(), f"{engine} {name}: duplicate rows"
    assert len(duck) == len(spark), f"{name}: {len(duck)} rows on DuckDB, {len(spark)} on Spark"
    if name != "ml_k_selection":
        assert len(spark) > 0


def test_assign_segment_scores_with_the_champion_after_a_challenger_run(lifecycle_months) -> None:
    """After February's challenger run (DuckDB), `assign_segment` in a model scores with the
    champion (January's model), not with the challenger whose parameters the build's tables
    hold: February's customers get exactly the segments and distances January published for
    them (same rows, same model), while the challenger's own scoring differs."""
    february = lifecycle_months["2026-02"]["duck"]
    # every staged row is scored, the malformed ones too (one repeats the first row's id)
    scored = february["assign_segment"].drop_duplicates("customer_id")
    published = february["main.customer_segments"]  # January's run: not replaced in February
    merged = published.merge(scored, on="customer_id", suffixes=("", "_sql"), validate="1:1")
    assert len(merged) == 4500 + 3
    assert (merged["segment_id"] == merged["segment_id_sql"]).all()
    assert (merged["segment_name"] == merged["segment_name_sql"]).all()
    np.testing.assert_allclose(
        merged["distance_to_centroid"], merged["distance_to_centroid_sql"], rtol=1e-9
    )
    centroids = february["ml.ml_model_centroids"].pivot_table(
        index=["segment_id", "feature_name"], columns="model_run_id", values="centroid_value"
    )
    assert not np.allclose(centroids["2026-01"], centroids["2026-02"]), "the models are equal"
