"""Faults, publishing and reproducibility.

- Two warehouses built from one folder keep their own exports (`<stem>_exports/` beside each
  file), each stamped with its own published run.
- The same input and vars give bit-identical tables (hashes computed in SQL).
- Nothing users read changes unless a whole build succeeded: after a good build, a build that
  fails on a drift alert, one that fails on a test / guard, and builds killed with SIGKILL
  (during the Python model and during the marts) leave every published table (`main`,
  `scoring`, full contents), the stored macro (its SQL and its results) and every export file
  (sha256) unchanged, and the registry does not claim those runs were published. Accepting
  the drifted data (`accept_drift: true`) then publishes all of it together.
- Publishing renames, it does not copy (decision 019): `main` holds one view per mart over
  `marts_build.<mart>__published`, which the next build never rewrites; after published,
  failed and killed builds (and on a warehouse whose `main` still holds copied tables) no
  relation is left over.
- A build started while another process holds the warehouse stops with one clear line.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from customer_segmentation.generator import write_customers
from customer_segmentation.schema import CC_GENERAL_COLUMNS

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")

MARTS = ["customer_segments", "segment_profiles", "segment_personas"]
#: exported as `<table>/<run_id>.parquet` (meta export: one_file_per_run)
HISTORY_EXPORTED_PER_RUN = ("customer_segment_memberships", "segment_audience_changes")
#: the history marts, incremental on DuckDB: their build table stays for the next run's increment
#: and the publish step appends the rows written since the last publish to the held table
INCREMENTAL_MARTS = {
    "customer_segment_memberships",
    "segment_audience_changes",
    "segment_migrations",
}
BAD_ROWS = [
    # appended to the generated file so that reproducibility also covers the quarantine
    "C99001,-10,0.5,0,0,0,0,0,0,0,0,0,0,1000,0,0,0,12",
    "C99002,10,1.5,0,0,0,0,0,0,0,0,0,0,1000,0,0,0,12",
    "C10003,10,0.5,0,0,0,0,0,0,0,0,0,0,1000,0,0,0,12",
]


#: Columns that identify a run rather than describe the data: the dbt invocation id, when the
#: run was published, the id of the model that scored it. Everything else must be identical
#: between two builds.
RUN_IDENTITY_COLUMNS = {
    "run_id",
    "previous_run_id",
    "published_at",
    "sweep_run_id",
    "model_run_id",  # the lifecycle: a fit run is scored by its own model (its run id)
    "written_at",  # when the build that wrote a history row started
}


def table_hashes(
    database: Path, schema: str = "main", ignore: set[str] = RUN_IDENTITY_COLUMNS
) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent md5 of every table's and view's contents (all
    columns but `ignore`), in SQL: `main` holds views over the published tables."""
    with duckdb.connect(str(database), read_only=True) as con:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type in ('BASE TABLE', 'VIEW') order by 1",
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
                if row[0] not in ignore
            ]
            selected = ", ".join(f'"{column}"' for column in columns)
            hashes[name] = con.execute(
                "select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) "
                f"order by cast(t as varchar)), '')) from (select {selected} "
                f"from {schema}.{name}) as t"
            ).fetchall()[0]
    return hashes


def exports_of(database: Path) -> Path:
    """The default export folder of a warehouse: `<stem>_exports` beside the file."""
    return database.with_name(f"{database.stem}_exports")


def published_state(database: Path) -> dict[str, object]:
    """Everything a user reads: every table of `main` and `scoring` (all columns), the stored
    macros' SQL and what `segment_customers` returns, the runs the registry calls published,
    and the sha256 of every file in the export folder (hidden staging folders included)."""
    state: dict[str, object] = {
        schema: table_hashes(database, schema, ignore=set()) for schema in ("main", "scoring")
    }
    with duckdb.connect(str(database), read_only=True) as con:
        state["macros"] = con.execute(
            "select schema_name, function_name, macro_definition from duckdb_functions() "
            "where function_type = 'table_macro' and not internal order by all"
        ).fetchall()
        con.execute("create temp table probe as select * from main.customer_segments")
        state["scored"] = con.execute(
            "select count(*), md5(string_agg(cast(t as varchar), chr(10) order by"
            " t.customer_id)) from segment_customers('probe') as t"
        ).fetchall()[0]
        state["published_runs"] = con.execute(
            "select run_id from ml.ml_model_registry where published_at is not null order by 1"
        ).fetchall()
    folder = exports_of(database)
    state["files"] = {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    return state


def dbt_command(
    database: Path, variables: dict | None, schedule: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    """`dbt build` into `database` as a user runs it: no SEGMENTATION_EXPORTS_DIR, so the
    exports go beside the warehouse; the input file and run date come from the environment
    as in a scheduled run (`schedule`: SEGMENTATION_CUSTOMERS_CSV, SEGMENTATION_AS_OF). One
    target folder per warehouse and vars, so runs that change only the schedule parse
    partially."""
    key = hashlib.sha256(json.dumps(variables or {}, sort_keys=True).encode()).hexdigest()[:12]
    command = [str(DBT), "build", "--target-path", str(database.with_suffix(f".{key}.target"))]
    command += ["--log-path", str(database.parent)]
    if variables:
        command += ["--vars", json.dumps(variables)]
    env = {key: value for key, value in os.environ.items() if key != "SEGMENTATION_EXPORTS_DIR"}
    env |= {
        "SEGMENTATION_DB": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "0",
        "PYTHONUNBUFFERED": "1",
        **schedule,
    }
    return command, env


def scheduled(customers_csv: Path, as_of_date: str | None = None) -> dict[str, str]:
    """The environment of a scheduled run: this input file (and run date)."""
    env = {"SEGMENTATION_CUSTOMERS_CSV": str(customers_csv)}
    return env | ({"SEGMENTATION_AS_OF": as_of_date} if as_of_date else {})


def build(
    database: Path,
    schedule: dict[str, str],
    variables: dict | None = None,
    check: bool = True,
    runner: Callable[[list[str], dict[str, str]], tuple[int, str]] | None = None,
) -> subprocess.CompletedProcess:
    """`dbt build` into `database`: with `runner` (the `dbt_command_runner` fixture) the same
    command line in the test's process, dbt's output in `stdout`; without, a `dbt` process of
    its own (the kill and lock tests need one)."""
    command, env = dbt_command(database, variables, schedule)
    if runner is not None:
        returncode, output = runner(command[1:], env)
        result = subprocess.CompletedProcess(command, returncode, output, "")
    else:
        result = subprocess.run(
            command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
        )
    if check and result.returncode != 0:
        raise AssertionError(f"dbt build failed:\n{(result.stdout + result.stderr)[-6000:]}")
    return result


AS_OF = "2026-10-31"
DRIFT_AS_OF = "2026-11-30"


def kill_build_when(database: Path, schedule: dict[str, str], pattern: str) -> str:
    """Start `dbt build`, SIGKILL it as soon as a log line matches `pattern`; return the log."""
    command, env = dbt_command(database, None, schedule)
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
    drifted = pd.read_csv(old, dtype={"CUST_ID": str})
    drifted["PAYMENTS"] = drifted["PAYMENTS"] * 10
    drifted.to_csv(folder / "drifted.csv", index=False)
    tiny = write_customers(folder / "tiny.csv", 12, seed=7)
    return {"old": old, "new": new, "drifted": folder / "drifted.csv", "tiny": tiny}


@pytest.fixture(scope="module")
def first_builds(tmp_path_factory, inputs, dbt_command_runner) -> dict[str, Path]:
    """The same input and vars built into two warehouses in ONE folder."""
    folder = tmp_path_factory.mktemp("warehouses")
    databases = {}
    for name in ("first", "second"):
        database = folder / f"{name}.duckdb"
        # the same as-of date: a run's time is part of its history rows
        build(database, scheduled(inputs["old"], AS_OF), runner=dbt_command_runner)
        databases[name] = database
    return databases


def test_two_warehouses_in_one_folder_keep_their_own_exports(first_builds) -> None:
    run_ids = set()
    for database in first_builds.values():
        folder = exports_of(database)
        with duckdb.connect(str(database), read_only=True) as con:
            (run_id, run_at, fingerprint) = con.execute(
                "select run_id, strftime(run_at, '%Y-%m-%d %H:%M:%S'), input_fingerprint"
                " from main.segmentation_run"
            ).fetchall()[0]
            published = [
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables"
                    " where table_schema = 'main' order by 1"
                ).fetchall()
            ]
            counts = {
                name: con.execute(f"select count(*) from main.{name}").fetchall()[0][0]
                for name in published
            }
        run_ids.add(run_id)
        # every published table is exported, stamped with this warehouse's run
        manifest = pd.read_csv(folder / "manifest.csv", dtype=str)
        parquet = manifest[manifest["file_name"].str.endswith(".parquet")]
        assert sorted(parquet["table_name"]) == published
        assert set(manifest["published_run_id"]) == {run_id}
        for name in published:
            # the run x customer history is a folder of one file per run (one run here)
            path = folder / name / f"{run_id}.parquet"
            if name not in HISTORY_EXPORTED_PER_RUN:
                path = folder / f"{name}.parquet"
            metadata = pq.read_metadata(path).metadata
            assert metadata[b"run_id"].decode() == run_id
            assert metadata[b"run_at"].decode() == run_at
            assert metadata[b"input_fingerprint"].decode() == fingerprint
            table = pq.read_table(path)
            assert table.num_rows == counts[name], name
            stamps = table.select(["published_run_id", "published_input_fingerprint"]).to_pandas()
            assert set(stamps["published_run_id"]) <= {run_id}
            assert set(stamps["published_input_fingerprint"]) <= {fingerprint}
        assert {"customer_segments", "segment_profiles", "segment_personas", "quarantine"} <= set(
            published
        )
        assert "k_selection" in published and "segment_explanations" in published
        assert list(folder.glob("audiences/segment_*.csv"))
        assert not list(folder.glob(".publishing-*"))
    assert len(run_ids) == 2  # two runs, two sets of files: neither overwrote the other


def test_published_schema_shows_only_marts(first_builds) -> None:
    with duckdb.connect(str(first_builds["second"]), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_catalog = current_database()"
        ).df()
    main = set(tables.loc[tables["table_schema"] == "main", "table_name"])
    assert not {name for name in main if re.match(r"(ml|int|stg)_", name)}
    assert not {name for name in main if "dbt_tmp" in name or "marts_build" in name}
    schemas = set(tables["table_schema"])
    assert {"main", "scoring", "marts_build", "ml", "intermediate", "staging"} <= schemas
    assert_published_layout(first_builds["second"])


def assert_published_layout(database: Path) -> None:
    """Publishing renames instead of copying (decision 019): `main` holds one view per mart
    over the held table `marts_build.<mart>__published`, the build schema's `<mart>` is a view
    over the same table, and nothing else is left over (no second held table, no temporary
    or backup relation) however many builds ran."""
    with duckdb.connect(str(database), read_only=True) as con:
        objects = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables"
            " where table_catalog = current_database() and table_schema in ('main', 'marts_build')"
        ).fetchall()
        views = {
            (row[0], row[1]): row[2]
            for row in con.execute(
                "select schema_name, view_name, sql from duckdb_views() where not internal"
            ).fetchall()
        }
    main = {name: kind for schema, name, kind in objects if schema == "main"}
    build_schema = {name: kind for schema, name, kind in objects if schema == "marts_build"}
    held = {name[: -len("__published")] for name in build_schema if name.endswith("__published")}
    assert set(main) == held and "customer_segments" in held and held >= INCREMENTAL_MARTS
    assert set(main.values()) == {"VIEW"}
    assert set(build_schema) == held | {f"{name}__published" for name in held}
    for name in held:
        assert build_schema[f"{name}__published"] == "BASE TABLE"
        if name in INCREMENTAL_MARTS:
            # kept for the next increment; the held table got the rows written since the last
            # publish, and equals it (failed and killed builds in between included)
            assert build_schema[name] == "BASE TABLE"
            with duckdb.connect(str(database), read_only=True) as con:
                differences = con.execute(
                    f"select count(*) from ((select * from marts_build.{name} except all"
                    f" select * from marts_build.{name}__published) union all (select * from"
                    f" marts_build.{name}__published except all select * from marts_build.{name}))"
                ).fetchall()[0][0]
            assert differences == 0, name
            schemas: tuple[str, ...] = ("main",)
        else:
            assert build_schema[name] == "VIEW"
            schemas = ("main", "marts_build")
        for schema in schemas:
            # schema and table only, no database part: the views work however the file is
            # attached
            body = views[(schema, name)].replace('"', "").lower().rstrip("; \n")
            assert body.endswith(f" from marts_build.{name}__published"), body
    assert not [name for _, name, _ in objects if "__dbt_" in name]


def make_copy_published_layout(database: Path) -> None:
    """Turn a warehouse published by renames into the layout the copying publish step (before
    decision 019) left: tables in `main` holding the published rows, the build's tables
    `marts_build.<mart>`, no `<mart>__published`. Users see the same rows before and after."""
    with duckdb.connect(str(database)) as con:
        objects = {
            (row[0], row[1]): row[2]
            for row in con.execute(
                "select table_schema, table_name, table_type from information_schema.tables"
                " where table_catalog = current_database()"
                " and table_schema in ('main', 'marts_build')"
            ).fetchall()
        }
        con.execute("begin")
        for (schema, name), kind in objects.items():
            if schema == "main" and kind == "VIEW":
                con.execute(f"create table main.{name}__copy as select * from main.{name}")
                con.execute(f"drop view main.{name}")
                con.execute(f"alter table main.{name}__copy rename to {name}")
        for (schema, name), _ in objects.items():
            if schema != "marts_build" or not name.endswith("__published"):
                continue
            mart = name[: -len("__published")]
            if objects.get(("marts_build", mart)) == "BASE TABLE":
                # an incremental mart, or the table of a failed / killed build
                con.execute(f"drop table marts_build.{name}")
                continue
            if ("marts_build", mart) in objects:
                con.execute(f"drop view marts_build.{mart}")
            con.execute(f"alter table marts_build.{name} rename to {mart}")
        con.execute("commit")
        left = con.execute(
            "select count(*) from information_schema.tables where table_name like '%__published'"
            " or (table_schema = 'main' and table_type = 'VIEW')"
        ).fetchall()[0][0]
    assert left == 0


def test_same_input_and_vars_give_bit_identical_tables(first_builds) -> None:
    for schema in ("main", "marts_build", "ml", "scoring"):
        first = table_hashes(first_builds["first"], schema)
        second = table_hashes(first_builds["second"], schema)
        assert first == second, schema
    first = table_hashes(first_builds["first"])
    assert set(MARTS) | {"quarantine"} <= set(first)
    # the quarantine is part of the comparison and not trivially empty
    assert first["quarantine"][0] == 3
    # 600 generated + C99002 (frequency 1.5: a soft finding, kept by default); the negative
    # balance and the duplicate id are quarantined
    assert first["customer_segments"][0] == 601


def test_failed_and_killed_builds_change_nothing_users_read(
    first_builds, inputs, dbt_command_runner
) -> None:
    database = first_builds["first"]
    before = published_state(database)
    assert len(before["published_runs"]) == 1
    assert {"customer_segments.parquet", "manifest.csv"} <= set(before["files"])
    assert before["macros"] and before["scored"][0] == 601  # as customer_segments above

    # (a) a drift alert: PAYMENTS x 10
    drifted = scheduled(inputs["drifted"], DRIFT_AS_OF)
    drift = build(database, drifted, check=False, runner=dbt_command_runner)
    output = drift.stdout + drift.stderr
    assert drift.returncode != 0
    assert "Failure in test feature_drift_psi_below_alert_threshold" in output
    summary = output[output.index("Marts NOT published") :]
    assert re.search(r"Drift alert .*: payments PSI \d+\.\d{3}\.", summary)
    assert f"main still holds the run of {AS_OF} 00:00:00" in summary
    assert '"accept_drift": true' in summary and "dbt build --vars '" in summary
    assert published_state(database) == before

    # (b) a build that fails on a test or guard: 12 rows and k = 12
    # (every failed run uses the drifted run's date: history accepts runs in time order only,
    # and a run of the same date replaces the earlier one's history rows)
    tiny = scheduled(inputs["tiny"], DRIFT_AS_OF)
    failed = build(database, tiny, {"n_clusters": 12}, check=False, runner=dbt_command_runner)
    assert failed.returncode != 0
    print("12 rows, k = 12:", re.findall(r"(?:Failure|Error) in \w+ \w+", failed.stdout))
    assert published_state(database) == before

    # (c) SIGKILL while the Python model fits k-means, and in the middle of the marts
    new = scheduled(inputs["new"], DRIFT_AS_OF)
    log = kill_build_when(database, new, r"START python table model ml\.ml_kmeans_centroids")
    assert "OK created python table model ml.ml_kmeans_centroids" not in log
    assert published_state(database) == before
    kill_build_when(database, new, r"OK created sql table model marts_build\.customer_segments")
    with duckdb.connect(str(database), read_only=True) as con:
        (n_building,) = con.execute(
            "select count(*) from marts_build.customer_segments"
        ).fetchall()[0]
        registry = con.execute(
            "select strftime(run_at, '%Y-%m-%d'), published_at is not null"
            " from ml.ml_model_registry order by run_at"
        ).fetchall()
    assert n_building == 400  # without the publish step BI would already see new data here
    assert published_state(database) == before
    # the drifted run is registered, but not as published
    assert (DRIFT_AS_OF, False) in registry and (AS_OF, True) in registry

    # (d) accepting the drift publishes that run: everything changes, together. Before it,
    # the warehouse is turned into what the copying publish step (before decision 019) left.
    make_copy_published_layout(database)
    assert published_state(database) == before
    accepted = build(database, drifted, {"accept_drift": True}, runner=dbt_command_runner)
    assert "Warning in test feature_drift_psi_below_alert_threshold" in accepted.stdout
    after = published_state(database)
    assert len(after["published_runs"]) == 2
    assert after["scored"] != before["scored"]
    changed = {
        name for name, digest in after["files"].items() if before["files"].get(name) != digest
    }
    # every file is rewritten (new run stamp) but the history's files of the earlier run
    (first_run,) = before["published_runs"][0]
    kept = {f"{name}/{first_run}.parquet" for name in HISTORY_EXPORTED_PER_RUN}
    assert set(after["files"]) - changed == kept
    assert after["main"]["segmentation_run"] != before["main"]["segmentation_run"]
    # PAYMENTS x 10 for everybody moves the scaler, not the standardized centroids
    assert after["scoring"]["scaling_parameters"] != before["scoring"]["scaling_parameters"]
    with duckdb.connect(str(database), read_only=True) as con:
        leftovers = con.execute(
            "select table_name from information_schema.tables "
            "where table_name like '%__dbt_tmp' or table_name like '%__dbt_backup'"
        ).fetchall()
        (run_at,) = con.execute(
            "select strftime(run_at, '%Y-%m-%d') from main.segmentation_run"
        ).fetchall()[0]
    assert leftovers == []
    assert run_at == DRIFT_AS_OF
    # after two published, two failed and two killed builds (and the tables of an older
    # warehouse): one view per mart in main, one held table each, nothing left over
    assert_published_layout(database)


def test_a_failed_build_does_not_publish(
    first_builds, inputs, tmp_path, dbt_command_runner
) -> None:
    """A build that fails (here: every row quarantined) keeps the published marts as they were,
    while the build schema's quarantine shows the new file's problems. The published run's
    date built again (and published) rewrites that run: the held history tables replace its
    rows instead of adding a second copy."""
    database = first_builds["second"]
    before = published_state(database)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([",".join(CC_GENERAL_COLUMNS), BAD_ROWS[0], BAD_ROWS[1]]) + "\n")
    result = build(database, scheduled(bad), check=False, runner=dbt_command_runner)
    assert result.returncode != 0
    assert "Marts NOT published" in result.stdout
    assert published_state(database) == before
    assert table_hashes(database, "marts_build")["quarantine"][0] == 2

    # a second month, published: its history rows are appended to the held tables
    appended = build(database, scheduled(inputs["new"], DRIFT_AS_OF), runner=dbt_command_runner)
    assert publish_counts(appended.stdout)["appended"] == 2  # migrations: first rows, copied
    # the second month again, another file: that run is rewritten, and the held tables
    # replace its rows (delete + insert by run_at) instead of adding a second copy
    rewritten = build(database, scheduled(inputs["old"], DRIFT_AS_OF), runner=dbt_command_runner)
    # (the migrations hold only the rewritten run's rows: every row is new, copied whole)
    assert publish_counts(rewritten.stdout) == {"renamed": 18, "appended": 2, "copied": 1}
    with duckdb.connect(str(database), read_only=True) as con:
        runs = con.execute(
            "select strftime(run_at, '%Y-%m-%d'), count(*), count(distinct run_id),"
            " count(distinct written_at) from main.customer_segment_memberships"
            " group by run_at order by run_at"
        ).fetchall()
        (published_run,) = con.execute("select run_id from main.segmentation_run").fetchall()[0]
        latest_runs = con.execute(
            "select distinct run_id from main.customer_segment_memberships where run_at = ?",
            [DRIFT_AS_OF],
        ).fetchall()
    # 601 customers of the first run; the rewritten second run holds the old file's 601, once
    assert runs == [(AS_OF, 601, 1, 1), (DRIFT_AS_OF, 601, 1, 1)]
    assert latest_runs == [(published_run,)]
    assert_published_layout(database)  # held history tables equal the build's


def publish_counts(output: str) -> dict[str, int]:
    """The publish step's log line: how many marts were renamed, appended and copied."""
    found = re.search(
        r"Published \d+ marts \((\d+) renamed, (\d+) appended, (\d+) copied\)", output
    )
    assert found, output[-3000:]
    return dict(zip(("renamed", "appended", "copied"), map(int, found.groups()), strict=True))


def test_a_locked_warehouse_stops_the_build_with_one_line(first_builds) -> None:
    database = first_builds["second"]
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(database)!r}); "
            "print('open', flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        result = build(database, {}, check=False)
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"is in use by process {holder.pid}" in output
    assert "Traceback" not in output
    print(output)
    assert len(output.splitlines()) < 20


@pytest.mark.parametrize(
    ("variables", "lineage"),
    [
        ({}, "sample"),
        ({"customers_csv": "../shared/data/cc_general.csv"}, "default"),
        ({"input_format": "ledger", "features": {"set": "transactions"}}, "ledger_sample"),
        ({"input_lineage": "emea"}, "emea"),
    ],
)
def test_default_input_lineage(first_builds, run_dbt, variables, lineage) -> None:
    """The bundled sample and other input belong to different lineages (drift baselines)."""
    compiled = run_dbt(
        ["compile", "--quiet", "--inline", "{{ input_lineage() }}"],
        first_builds["second"],
        variables,
    ).output
    assert compiled.strip().splitlines()[-1].strip() == lineage
