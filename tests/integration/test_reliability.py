"""Faults and reproducibility.

- A build killed with SIGKILL (during the Python model, and during the marts) leaves the marts
  of the previous successful build intact and readable in `main`; the next build succeeds.
- The same input and vars give bit-identical tables (hashes computed in SQL).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from customer_segmentation.generator import write_customers
from customer_segmentation.schema import CC_GENERAL_COLUMNS

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")

MARTS = ["customer_segments", "segment_profiles", "segment_personas"]
BAD_ROWS = [
    # appended to the generated file so that reproducibility also covers the quarantine
    "C99001,-10,0.5,0,0,0,0,0,0,0,0,0,0,1000,0,0,0,12",
    "C99002,10,1.5,0,0,0,0,0,0,0,0,0,0,1000,0,0,0,12",
    "C10003,10,0.5,0,0,0,0,0,0,0,0,0,0,1000,0,0,0,12",
]


#: Columns that identify a run rather than describe the data: the dbt invocation id, and where,
#: when and in how many bytes (Parquet's layout, not its content) the exports were written.
#: Everything else must be identical between two builds.
RUN_IDENTITY_COLUMNS = {"run_id", "previous_run_id", "exported_at", "file_path", "n_bytes"}


def table_hashes(database: Path, schema: str = "main") -> dict[str, tuple[int, str]]:
    """Row count and an order-independent md5 of every table's contents (all columns but the
    run identity ones), in SQL."""
    with duckdb.connect(str(database), read_only=True) as con:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                [schema],
            ).fetchall()
        ]
        hashes = {}
        for name in names:
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if row[0] not in RUN_IDENTITY_COLUMNS
            ]
            selected = ", ".join(f'"{column}"' for column in columns)
            hashes[name] = con.execute(
                "select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) "
                f"order by cast(t as varchar)), '')) from (select {selected} "
                f"from {schema}.{name}) as t"
            ).fetchall()[0]
    return hashes


AS_OF = "2026-10-31"


def kill_build_when(database: Path, variables: dict, pattern: str) -> str:
    """Start `dbt build`, SIGKILL it as soon as a log line matches `pattern`; return the log."""
    command = [
        str(DBT),
        "build",
        "--target-path",
        str(database.parent / "target"),
        "--log-path",
        str(database.parent),
        "--vars",
        json.dumps(variables),
    ]
    env = {
        **os.environ,
        "SEGMENTATION_DB": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if re.search(pattern, line):
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.stdout.close()
    returncode = process.wait(timeout=60)
    log = "".join(lines)
    assert returncode == -signal.SIGKILL, f"build was not killed ({returncode}):\n{log[-3000:]}"
    return log


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    old = write_customers(folder / "old.csv", 600, seed=5)
    with old.open("a") as handle:
        handle.write("\n".join(BAD_ROWS) + "\n")
    new = write_customers(folder / "new.csv", 400, seed=6)
    return {"old": old, "new": new}


@pytest.fixture(scope="module")
def first_builds(tmp_path_factory, inputs, run_dbt) -> dict[str, Path]:
    """The same input and vars built into two separate databases."""
    databases = {}
    for name in ("first", "second"):
        database = tmp_path_factory.mktemp(name) / "segmentation.duckdb"
        # the same as-of date: a run's time is part of its history rows
        run_dbt(["build"], database, {"customers_csv": str(inputs["old"]), "as_of_date": AS_OF})
        databases[name] = database
    return databases


def test_same_input_and_vars_give_bit_identical_tables(first_builds) -> None:
    first = table_hashes(first_builds["first"])
    second = table_hashes(first_builds["second"])
    assert set(MARTS) | {"quarantine", "ml_kmeans_centroids", "ml_pca_loadings"} <= set(first)
    assert first == second
    assert table_hashes(first_builds["first"], "main_marts_build") == table_hashes(
        first_builds["second"], "main_marts_build"
    )
    # the quarantine is part of the comparison and not trivially empty
    assert first["quarantine"][0] == 3
    assert first["customer_segments"][0] == 600


def test_killed_builds_leave_the_previous_marts_and_the_next_build_succeeds(
    first_builds, inputs, run_dbt
) -> None:
    database = first_builds["first"]
    before = {name: table_hashes(database)[name] for name in MARTS}
    new_vars = {"customers_csv": str(inputs["new"])}

    # 1. SIGKILL while the Python model fits k-means.
    log = kill_build_when(database, new_vars, r"START python table model main\.ml_kmeans_centroids")
    assert "OK created python table model main.ml_kmeans_centroids" not in log
    after = table_hashes(database)
    assert {name: after[name] for name in MARTS} == before

    # 2. SIGKILL in the middle of the marts: one new mart is committed in the build schema...
    log = kill_build_when(
        database, new_vars, r"OK created sql table model main_marts_build\.customer_segments"
    )
    with duckdb.connect(str(database), read_only=True) as con:
        (n_building,) = con.execute(
            "select count(*) from main_marts_build.customer_segments"
        ).fetchall()[0]
        (n_published,) = con.execute("select count(*) from main.customer_segments").fetchall()[0]
        (n_persona_customers,) = con.execute(
            "select sum(n_customers) from main.segment_personas"
        ).fetchall()[0]
    assert n_building == 400  # without the publish step BI would already see new data here
    # ...but BI's tables in main are still, all of them, the previous successful build.
    assert n_published == n_persona_customers == 600
    after = table_hashes(database)
    assert {name: after[name] for name in MARTS} == before

    # 3. The next build succeeds and publishes every mart of the new input together.
    run_dbt(["build"], database, new_vars)
    with duckdb.connect(str(database), read_only=True) as con:
        counts = con.execute(
            "select (select count(*) from main.customer_segments), "
            "(select sum(n_customers) from main.segment_personas), "
            "(select sum(n_customers) / count(distinct feature_name) "
            "from main.segment_profiles)"
        ).fetchall()[0]
        leftovers = con.execute(
            "select table_name from information_schema.tables "
            "where table_name like '%__dbt_tmp' or table_name like '%__dbt_backup'"
        ).fetchall()
    assert counts == (400, 400, 400)
    assert leftovers == []


def test_a_failed_build_does_not_publish(first_builds, tmp_path, run_dbt) -> None:
    """A build that fails (here: every row quarantined) keeps the published marts as they were,
    while the quarantine table shows the new file's problems."""
    database = first_builds["second"]
    before = {name: table_hashes(database)[name] for name in MARTS}
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([",".join(CC_GENERAL_COLUMNS), BAD_ROWS[0], BAD_ROWS[1]]) + "\n")
    build = run_dbt(["build"], database, {"customers_csv": str(bad)}, check=False)
    assert build.returncode != 0
    assert "Marts NOT published" in build.output
    after = table_hashes(database)
    assert {name: after[name] for name in MARTS} == before
    assert after["quarantine"][0] == 2
