from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from customer_segmentation.exports import ExportError, export_parquet, export_tables


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
