"""Atomic Parquet exports of the marts for BI tools, and CSV audience files for campaign tools.

DuckDB locks its database file while dbt builds, so dashboards read Parquet copies of the marts
instead. Every file is written under a temporary name in the target folder and then renamed over
the old one (``os.replace``, atomic on POSIX and Windows within one file system): a reader opens
either the complete previous file or the complete new one, never a half-written file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
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


class CsvWritable(Protocol):
    """Anything that writes itself as one CSV file with a header (a DuckDB relation)."""

    def write_csv(self, file_name: str) -> None: ...


def atomic_write(
    path: Path, write: Callable[[str], None], count_rows: Callable[[Path], int]
) -> int:
    """Write a file atomically: ``write(temporary name)``, fsync, ``count_rows`` (the check that
    the file is complete and readable), then rename over ``path``; return the row count.

    The temporary file is hidden, beside ``path`` (same file system, so ``os.replace`` is an
    atomic rename) and removed when anything fails.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(str(temporary))
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        n_rows = count_rows(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return int(n_rows)


def _parquet_rows(path: Path) -> int:
    return int(pq.read_metadata(path).num_rows)


def _csv_rows(path: Path) -> int:
    """Data rows of a CSV with a header (values never contain line breaks here)."""
    with open(path, "rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def export_parquet(table: ParquetWritable, path: Path) -> int:
    """Write ``table`` to ``path`` atomically; return the number of rows written.

    The data goes to a hidden temporary file beside ``path`` (same file system), is flushed to
    disk, checked (its Parquet footer is read back) and renamed over ``path``.
    """
    return atomic_write(path, table.write_parquet, _parquet_rows)


def export_csv(table: CsvWritable, path: Path) -> int:
    """Write ``table`` as CSV (header, comma) to ``path`` atomically; return the data rows."""
    return atomic_write(path, table.write_csv, _csv_rows)


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


AUDIENCE_MANIFEST_COLUMNS = {
    "segment_id": "int64",
    "file_path": "string",
    "n_rows": "int64",
    "n_entered": "int64",
    "n_exited": "int64",
    "n_stayed": "int64",
    "n_bytes": "int64",
    "exported_at": "datetime64[us]",
}

#: Columns of every audience file, in order.
AUDIENCE_COLUMNS = ("customer_id", "segment_id", "segment_name", "audience_change", "run_at")

_AUDIENCE_FILE = re.compile(r"^segment_[0-9]+[.]csv$")


class AudienceRelation(Protocol):
    """The DuckDB relation API the audience export uses."""

    def aggregate(self, expressions: str, group_expr: str = "") -> AudienceRelation: ...

    def filter(self, condition: str) -> AudienceRelation: ...

    def project(self, *expressions: str) -> AudienceRelation: ...

    def order(self, expression: str) -> AudienceRelation: ...

    def fetchall(self) -> list[tuple[object, ...]]: ...

    def write_csv(self, file_name: str) -> None: ...


def export_audiences(changes: AudienceRelation, directory: str | Path) -> pd.DataFrame:
    """One CSV file per segment of the latest run of ``changes`` (segment_audience_changes):
    ``<directory>/segment_<id>.csv`` with the columns :data:`AUDIENCE_COLUMNS`, rows ordered by
    customer id, each file written atomically (:func:`export_csv`). Files ``segment_<id>.csv`` of
    segments without rows in the latest run (retired earlier) are removed, so the folder holds
    exactly the current audiences. Returns the manifest, one row per file.

    CSV, not Parquet: campaign tools (e-mail, ads, CRM audience imports) take CSV uploads.
    """
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"export folder {folder} exists and is not a directory")
    folder.mkdir(parents=True, exist_ok=True)
    [(latest,)] = changes.aggregate("max(run_at)").fetchall()
    rows = []
    written = set()
    if latest is not None:
        current = changes.filter(f"run_at = cast('{latest}' as timestamp)")
        counts = current.aggregate(
            "segment_id, count(*), "
            "sum(case when audience_change = 'entered' then 1 else 0 end), "
            "sum(case when audience_change = 'exited' then 1 else 0 end), "
            "sum(case when audience_change = 'stayed' then 1 else 0 end)",
            "segment_id",
        ).fetchall()
        for segment_id, n_rows, n_entered, n_exited, n_stayed in sorted(counts):
            segment_id = int(segment_id)
            path = folder / f"segment_{segment_id}.csv"
            audience = (
                current.filter(f"segment_id = {segment_id}")
                .project(", ".join(AUDIENCE_COLUMNS))
                .order("customer_id")
            )
            n_written = export_csv(audience, path)
            if n_written != n_rows:
                raise ExportError(f"{path}: wrote {n_written} rows, expected {n_rows}")
            written.add(path.name)
            rows.append(
                {
                    "segment_id": segment_id,
                    "file_path": str(path.resolve()),
                    "n_rows": int(n_rows),
                    "n_entered": int(n_entered),
                    "n_exited": int(n_exited),
                    "n_stayed": int(n_stayed),
                    "n_bytes": path.stat().st_size,
                    "exported_at": datetime.now(UTC).replace(tzinfo=None),
                }
            )
    for stale in folder.iterdir():
        if _AUDIENCE_FILE.match(stale.name) and stale.name not in written:
            stale.unlink()
    manifest = pd.DataFrame(rows, columns=list(AUDIENCE_MANIFEST_COLUMNS))
    return manifest.astype(AUDIENCE_MANIFEST_COLUMNS)
