from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from customer_segmentation.dbt_plugin import register_functions
from customer_segmentation.exports import (
    MANIFEST_NAME,
    STAGING_PREFIX,
    ExportError,
    WarehouseLockedError,
    check_warehouse_unlocked,
    lock_message,
    prepare_exports,
    publish_exports,
    with_unpublished_status,
)


def test_prepare_creates_an_empty_staging_folder_and_removes_leftovers(tmp_path: Path) -> None:
    exports = tmp_path / "wh_exports"
    leftover = exports / f"{STAGING_PREFIX}killedrun"
    (leftover / "audiences").mkdir(parents=True)
    (leftover / "customer_segments.parquet").write_bytes(b"half")
    staging = Path(prepare_exports(exports, "run-1"))
    assert staging == exports / f"{STAGING_PREFIX}run-1"
    assert sorted(p.name for p in staging.iterdir()) == ["audiences"]
    assert not leftover.exists()
    again = Path(prepare_exports(exports, "run-2", "audiences, customer_segment_memberships"))
    assert sorted(p.name for p in again.iterdir()) == ["audiences", "customer_segment_memberships"]
    assert not staging.exists()


def test_prepare_rejects_bad_run_ids_and_a_file_in_place_of_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="plain identifier"):
        prepare_exports(tmp_path / "x", "../escape")
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("")
    with pytest.raises(ExportError, match="SEGMENTATION_EXPORTS_DIR"):
        prepare_exports(blocker, "run")
    with pytest.raises(ExportError, match="plain lower-case name"):
        prepare_exports(tmp_path / "x", "run", "audiences,../up")


def test_publish_moves_files_by_rename_removes_stale_audiences_manifest_last(
    tmp_path: Path,
) -> None:
    exports = tmp_path / "exports"
    (exports / "audiences").mkdir(parents=True)
    (exports / "customer_segments.parquet").write_bytes(b"old")
    (exports / "audiences" / "segment_9.csv").write_text("retired segment")
    (exports / "audiences" / "notes.txt").write_text("not ours")
    staging = Path(prepare_exports(exports, "run2"))
    (staging / "customer_segments.parquet").write_bytes(b"new")
    (staging / MANIFEST_NAME).write_text("file_name\naudiences/segment_1.csv\n")
    (staging / "audiences" / "segment_1.csv").write_text("customer_id\nC1\n")
    staged_inode = (staging / "customer_segments.parquet").stat().st_ino
    assert publish_exports(staging, exports) == 3
    assert (exports / "customer_segments.parquet").read_bytes() == b"new"
    # renamed, not copied: the reader of the old file keeps its inode, a new open gets the new
    assert (exports / "customer_segments.parquet").stat().st_ino == staged_inode
    assert (exports / "audiences" / "segment_1.csv").read_text() == "customer_id\nC1\n"
    assert not (exports / "audiences" / "segment_9.csv").exists()
    assert (exports / "audiences" / "notes.txt").exists()
    assert (exports / MANIFEST_NAME).exists()
    assert not staging.exists()
    with pytest.raises(ExportError, match="does not exist"):
        publish_exports(staging, exports)


def test_a_table_exported_one_file_per_run_keeps_listed_files_and_drops_the_rest(
    tmp_path: Path,
) -> None:
    """Only the changed run is staged; the files the manifest lists stay untouched (same inode),
    a run the table no longer holds and the single file of the earlier layout are removed,
    a file that is not an export is left alone."""
    exports = tmp_path / "exports"
    history = exports / "customer_segment_memberships"
    history.mkdir(parents=True)
    (history / "run-a.parquet").write_bytes(b"january")
    (history / "run-b.parquet").write_bytes(b"february, replaced by a rebuild")
    (history / "README.txt").write_text("not ours")
    (exports / "customer_segment_memberships.parquet").write_bytes(b"all runs, old layout")
    kept_inode = (history / "run-a.parquet").stat().st_ino
    staging = Path(prepare_exports(exports, "run-c", "audiences,customer_segment_memberships"))
    (staging / "customer_segment_memberships" / "run-c.parquet").write_bytes(b"march")
    (staging / MANIFEST_NAME).write_text(
        "file_name,table_name\n"
        "customer_segment_memberships/run-a.parquet,customer_segment_memberships\n"
        "customer_segment_memberships/run-c.parquet,customer_segment_memberships\n"
    )
    assert publish_exports(staging, exports) == 2
    assert sorted(p.name for p in history.iterdir()) == [
        "README.txt",
        "run-a.parquet",
        "run-c.parquet",
    ]
    assert (history / "run-a.parquet").stat().st_ino == kept_inode
    assert (history / "run-c.parquet").read_bytes() == b"march"
    assert not (exports / "customer_segment_memberships.parquet").exists()


def test_the_sql_functions_run_the_same_steps_from_duckdb(tmp_path: Path) -> None:
    """As the publish step calls them: COPY into the staging folder, then move into place."""
    exports = tmp_path / "exports"
    with duckdb.connect() as con:
        register_functions(con)
        register_functions(con.cursor())  # a cursor shares them: no error
        (staging,) = con.sql(
            f"select segmentation_prepare_exports('{exports}', 'r1', 'audiences')"
        ).fetchall()[0]
        con.execute(f"copy (select 42 as answer) to '{staging}/t.parquet' (format parquet)")
        (moved,) = con.sql(
            f"select segmentation_publish_exports('{staging}', '{exports}')"
        ).fetchall()[0]
        assert moved == 1
        assert con.sql(f"select answer from '{exports}/t.parquet'").fetchall() == [(42,)]


def test_registry_rows_start_unpublished() -> None:
    registry = pd.DataFrame({"run_id": ["a", "b"]})
    marked = with_unpublished_status(registry)
    assert marked["published_at"].isna().all()
    assert str(marked["published_at"].dtype) == "datetime64[us]"


def test_lock_message_names_the_process_and_what_to_do() -> None:
    error = (
        'IO Error: Could not set lock on file "/w/s.duckdb": Conflicting lock is held in '
        "/usr/bin/python3.11 (PID 4242) by user root. See also https://duckdb.org/docs/..."
    )
    message = lock_message("/w/s.duckdb", error)
    assert message is not None
    assert "process 4242 (/usr/bin/python3.11)" in message
    assert "SEGMENTATION_DB" in message and "\n" not in message
    assert lock_message("/w/s.duckdb", "IO Error: disk full") is None


def test_a_locked_warehouse_gives_one_line_naming_the_holder(tmp_path: Path) -> None:
    database = tmp_path / "held.duckdb"
    duckdb.connect(str(database)).close()
    check_warehouse_unlocked(str(database))  # free: no error
    check_warehouse_unlocked(str(tmp_path / "missing.duckdb"))  # not created yet: no error
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(database)!r}); "
            "print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError) as raised:
            check_warehouse_unlocked(str(database))
        assert time.monotonic() - started < 10
        assert f"(PID {holder.pid})" not in str(raised.value)  # reworded, not DuckDB's text
        assert f"process {holder.pid}" in str(raised.value)
        assert str(database) in str(raised.value)
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
