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


def run(command: list[str], env: dict[str, str], log: Path) -> None:
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-6000:]
        raise AssertionError(f"{' '.join(command[:3])} failed:\n{output}")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(DuckDB file, Spark warehouse schema folder) of the two builds of the same input."""
    work = tmp_path_factory.mktemp("spark_vs_duck")
    data = malformed_sample(work / "customers.csv")
    variables = json.dumps({"customers_csv": str(data)})
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "0",
        "SEGMENTATION_DB": str(work / "duck.duckdb"),
        "SEGMENTATION_EXPORTS_DIR": str(work / "exports"),
        "SEGMENTATION_SPARK_DIR": str(work / "spark"),
    }
    # plain `dbt build` on both engines, as users run it: seeds, models, snapshots, the data
    # tests and the SQL unit tests (they hold under every documented var and on Spark)
    common = ["--vars", variables]
    duck = [str(BIN / "dbt"), "build", "--target", "duck", *common]
    run(
        [*duck, "--target-path", str(work / "target-duck"), "--log-path", str(work)],
        env,
        work / "duck.log",
    )
    spark = [str(BIN / "segmentation-spark-dbt"), "build", "--target", "spark_local", *common]
    run(
        [*spark, "--target-path", str(work / "target-spark"), "--log-path", str(work)],
        env,
        work / "spark.log",
    )
    return work / "duck.duckdb", work / "spark" / "warehouse"


def spark_table(warehouse: Path, schema: str, name: str) -> pd.DataFrame:
    folder = warehouse / f"{schema}.db" / name
    with duckdb.connect() as con:
        return con.sql(f"select * from read_parquet('{folder}/*.parquet')").df()


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


@pytest.mark.parametrize(
    "name",
    [
        "customer_segments",
        "segment_profiles",
        "segment_personas",
        "k_selection",
        "pca_components",
        "cluster_quality",
        "segment_explanations",
        "segment_rules",
        "segment_rule_fidelity",
        "feature_drift",
    ],
)
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
