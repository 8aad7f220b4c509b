from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from customer_segmentation.exports import (
    AUDIENCE_COLUMNS,
    ExportError,
    export_audiences,
    export_csv,
    export_parquet,
    export_tables,
)


def test_export_writes_every_table_and_a_manifest(tmp_path: Path) -> None:
    con = duckdb.connect()
    tables = {
        "alpha": con.sql("select range as id, range * 2.5 as value from range(1000)"),
        "beta": con.sql("select 'x' as name"),
    }
    manifest = export_tables(tables, tmp_path / "out")
    assert manifest["table_name"].tolist() == ["alpha", "beta"]
    assert manifest["n_rows"].tolist() == [1000, 1]
    alpha = pd.read_parquet(tmp_path / "out" / "alpha.parquet")
    assert alpha["value"].sum() == pytest.approx(2.5 * 999 * 1000 / 2)
    assert (manifest["n_bytes"] > 0).all()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alpha.parquet", "beta.parquet"]


def test_export_replaces_the_file_by_rename_not_in_place(tmp_path: Path) -> None:
    """A reader holding the old file keeps reading the complete old version."""
    con = duckdb.connect()
    path = tmp_path / "t.parquet"
    export_parquet(con.sql("select range as id from range(10)"), path)
    old_inode = path.stat().st_ino
    with open(path, "rb") as reader:  # opened before the new export
        export_parquet(con.sql("select range as id from range(20)"), path)
        assert path.stat().st_ino != old_inode
        old = pq.read_table(reader)
    assert old.num_rows == 10
    assert pq.read_metadata(path).num_rows == 20


class BrokenTable:
    def write_parquet(self, file_name: str) -> None:
        Path(file_name).write_bytes(b"PAR1 half a file")
        raise OSError("disk full")


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path: Path) -> None:
    con = duckdb.connect()
    path = tmp_path / "t.parquet"
    export_parquet(con.sql("select 1 as id"), path)
    with pytest.raises(OSError, match="disk full"):
        export_parquet(BrokenTable(), path)
    assert pq.read_metadata(path).num_rows == 1
    assert os.listdir(tmp_path) == ["t.parquet"]


def test_bad_names_and_folders_are_rejected(tmp_path: Path) -> None:
    con = duckdb.connect()
    with pytest.raises(ExportError, match=r"lowercase identifiers, got: \.\./evil"):
        export_tables({"../evil": con.sql("select 1")}, tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="exists and is not a directory"):
        export_tables({"ok": con.sql("select 1")}, blocker)


# --- audience files for campaign tools (issue 11) -------------------------------------------

AUDIENCE_ROWS = """
    select * from (values
        ('r1', timestamp '2026-01-31', 1, 'One', 'a', 'entered'),
        ('r1', timestamp '2026-01-31', 2, 'Two', 'b', 'entered'),
        ('r2', timestamp '2026-02-28', 1, 'One', 'c', 'entered'),
        ('r2', timestamp '2026-02-28', 1, 'One', 'a', 'stayed'),
        ('r2', timestamp '2026-02-28', 2, 'Two', 'b', 'exited'),
        ('r2', timestamp '2026-02-28', 3, 'Three', 'b', 'entered')
    ) as t(run_id, run_at, segment_id, segment_name, customer_id, audience_change)
"""


def test_audiences_one_csv_per_segment_of_the_latest_run(tmp_path: Path) -> None:
    con = duckdb.connect()
    folder = tmp_path / "audiences"
    folder.mkdir()
    (folder / "segment_9.csv").write_text("customer_id\nold\n")  # a retired segment's file
    (folder / "notes.txt").write_text("kept")  # not ours: left alone
    manifest = export_audiences(con.sql(AUDIENCE_ROWS), folder)
    assert manifest["segment_id"].tolist() == [1, 2, 3]
    assert manifest["n_rows"].tolist() == [2, 1, 1]
    assert manifest[["n_entered", "n_exited", "n_stayed"]].to_numpy().tolist() == [
        [1, 0, 1],
        [0, 1, 0],
        [1, 0, 0],
    ]
    assert sorted(p.name for p in folder.iterdir()) == [
        "notes.txt",
        "segment_1.csv",
        "segment_2.csv",
        "segment_3.csv",
    ]
    one = pd.read_csv(folder / "segment_1.csv")
    assert list(one.columns) == list(AUDIENCE_COLUMNS)
    assert one["customer_id"].tolist() == ["a", "c"]  # ordered by customer id
    assert one["audience_change"].tolist() == ["stayed", "entered"]
    assert not any(p.name.startswith(".") for p in folder.iterdir())  # no temporary left


def test_audience_file_is_replaced_atomically_and_a_failed_write_leaves_the_old(
    tmp_path: Path,
) -> None:
    con = duckdb.connect()
    path = tmp_path / "segment_1.csv"
    export_csv(con.sql("select 'a' as customer_id"), path)
    old_inode = path.stat().st_ino
    with open(path) as reader:
        export_csv(con.sql("select 'b' as customer_id union all select 'c'"), path)
        assert path.stat().st_ino != old_inode
        assert reader.read() == "customer_id\na\n"
    assert path.read_text() == "customer_id\nb\nc\n"

    class Broken:
        def write_csv(self, file_name: str) -> None:
            Path(file_name).write_text("customer_id\npartial")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        export_csv(Broken(), path)
    assert path.read_text() == "customer_id\nb\nc\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["segment_1.csv"]


def test_no_runs_write_no_audience_and_remove_stale_files(tmp_path: Path) -> None:
    con = duckdb.connect()
    (tmp_path / "segment_1.csv").write_text("x\n")
    manifest = export_audiences(con.sql(AUDIENCE_ROWS + " where false"), tmp_path)
    assert manifest.empty and "segment_id" in manifest.columns
    assert list(tmp_path.iterdir()) == []
