"""Atomic Parquet exports of the marts for BI tools.

DuckDB locks its database file while dbt builds, so dashboards read Parquet copies of the marts
instead. Every file is written under a temporary name in the target folder and then renamed over
the old one (``os.replace``, atomic on POSIX and Windows within one file system): a reader opens
either the complete previous file or the complete new one, never a half-written file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyarrow.parquet as pq

MANIFEST_COLUMNS = {
    "table_name": "string",
    "file_path": "string",
    "n_rows": "int64",
    "n_bytes": "int64",
    "exported_at": "datetime64[us]",
}

_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class ParquetWritable(Protocol):
    """Anything that writes itself as one Parquet file (a DuckDB relation, for example)."""

    def write_parquet(self, file_name: str) -> None: ...


class ExportError(ValueError):
    """An export cannot be written (bad table name, unusable folder)."""


def export_parquet(table: ParquetWritable, path: Path) -> int:
    """Write ``table`` to ``path`` atomically; return the number of rows written.

    The data goes to a hidden temporary file beside ``path`` (same file system), is flushed to
    disk, checked (its Parquet footer is read back) and renamed over ``path``.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        table.write_parquet(str(temporary))
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        n_rows = pq.read_metadata(temporary).num_rows
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return int(n_rows)


def export_tables(tables: Mapping[str, ParquetWritable], directory: str | Path) -> pd.DataFrame:
    """Export every table to ``<directory>/<name>.parquet``; return a manifest, one row a file.

    ``directory`` is created when missing. Names must be plain lowercase SQL identifiers (they
    become file names).
    """
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"export folder {folder} exists and is not a directory")
    bad = [name for name in tables if not _TABLE_NAME.match(name)]
    if bad:
        raise ExportError(f"table names must be lowercase identifiers, got: {', '.join(bad)}")
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, table in tables.items():
        path = folder / f"{name}.parquet"
        n_rows = export_parquet(table, path)
        rows.append(
            {
                "table_name": name,
                "file_path": str(path.resolve()),
                "n_rows": n_rows,
                "n_bytes": path.stat().st_size,
                "exported_at": datetime.now(UTC).replace(tzinfo=None),
            }
        )
    manifest = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))
    return manifest.astype(MANIFEST_COLUMNS)
