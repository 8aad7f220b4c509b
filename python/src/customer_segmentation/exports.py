"""Exports that follow the published warehouse, and the warehouse connection checks.

The publish step (``macros/publish/publish_marts.sql``, dbt's on-run-end) writes every export
with DuckDB ``COPY`` into a hidden staging folder inside the export folder, commits the
warehouse's publish transaction, and only then moves the staged files into place
(:func:`publish_exports`): each file is replaced by an atomic rename (``os.replace``, same file
system), the manifest last. A failed, killed or unpublished build therefore leaves every export
file as it was; the next build removes its leftover staging folder (:func:`prepare_exports`).

A history table that grows by one run per build (``meta: {export: one_file_per_run}``) is a
folder, ``<table>/<run_id>.parquet``: a publish stages only the runs whose rows changed, the
manifest lists every file of the folder, and :func:`publish_exports` removes the files it no
longer lists (and the single ``<table>.parquet`` of the earlier layout).

DuckDB calls these functions as SQL functions registered on dbt's connection by the dbt-duckdb
plugin :class:`customer_segmentation.dbt_plugin.Plugin` (``profiles.yml``, ``plugins:``).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

#: Hidden staging folders inside the export folder: ``.publishing-<run id>``.
STAGING_PREFIX = ".publishing-"

#: Written last by :func:`publish_exports`: one row per file of the published run.
MANIFEST_NAME = "manifest.csv"

#: Files of a staged subfolder (audiences, one file per run) that the publish replaces: those
#: the manifest does not list are removed, any other file is left alone.
_EXPORT_FILE = re.compile(r"^(segment_[0-9]+[.]csv|[A-Za-z0-9_-]+[.]parquet)$")
_RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_FOLDER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ExportError(ValueError):
    """An export cannot be written (unusable folder, bad run id, missing staging folder)."""


def prepare_exports(directory: str | Path, run_id: str, folders: str = "audiences") -> str:
    """Create ``<directory>/.publishing-<run_id>/`` with the empty subfolders ``folders``
    (comma-separated: ``audiences`` and the tables exported one file per run) and return the
    staging folder's path. Staging folders of earlier runs that were killed before publishing
    are removed (the warehouse lock allows one build per warehouse at a time)."""
    if not _RUN_ID.match(run_id):
        raise ExportError(f"run id {run_id!r} is not a plain identifier")
    subfolders = [name.strip() for name in folders.split(",") if name.strip()]
    for name in subfolders:
        if not _FOLDER.match(name):
            raise ExportError(f"export subfolder {name!r} is not a plain lower-case name")
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise ExportError(
            f"export folder {folder} exists and is not a directory: remove it or set "
            "SEGMENTATION_EXPORTS_DIR to another folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(f"{STAGING_PREFIX}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
    staging = folder / f"{STAGING_PREFIX}{run_id}"
    staging.mkdir()
    for name in subfolders:
        (staging / name).mkdir()
    return str(staging)


def publish_exports(staging: str | Path, directory: str | Path) -> int:
    """Move every file of ``staging`` to the same relative path under ``directory`` (flushed,
    then atomically renamed over the old file; the manifest last); in every subfolder the
    staging has, remove the export files (``segment_<id>.csv``, ``*.parquet``) the manifest
    does not list, and the single ``<table>.parquet`` a table exported as a folder had before;
    remove the staging folder; return the number of files moved."""
    staging, folder = Path(staging), Path(directory)
    if not staging.is_dir():
        raise ExportError(f"staging folder {staging} does not exist")
    subfolders = [path.name for path in staging.iterdir() if path.is_dir()]
    listed = _listed_files(staging / MANIFEST_NAME)
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name == MANIFEST_NAME)
    for path in files:
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    for path in files:
        destination = folder / path.relative_to(staging)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)
        listed.add(path.relative_to(staging).as_posix())
    for name in subfolders:
        for stale in (folder / name).iterdir() if (folder / name).is_dir() else []:
            if _EXPORT_FILE.match(stale.name) and f"{name}/{stale.name}" not in listed:
                stale.unlink()
        if name != "audiences":
            (folder / f"{name}.parquet").unlink(missing_ok=True)
    shutil.rmtree(staging)
    return len(files)


def _listed_files(manifest: Path) -> set[str]:
    """The ``file_name`` column of a staged manifest (empty when there is none)."""
    if not manifest.is_file():
        return set()
    with open(manifest, newline="") as handle:
        return {row["file_name"] for row in csv.DictReader(handle) if row.get("file_name")}


def with_unpublished_status(registry: pd.DataFrame) -> pd.DataFrame:
    """The registry rows with an empty ``published_at`` (set by the publish step)."""
    return registry.assign(
        published_at=pd.Series(pd.NaT, index=registry.index, dtype="datetime64[us]")
    )


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


class WarehouseLockedError(RuntimeError):
    """Another process holds the warehouse file."""


def lock_message(path: str, error: str) -> str | None:
    """One line for DuckDB's "Could not set lock on file" error, else None."""
    if "Could not set lock" not in error and "Conflicting lock" not in error:
        return None
    holder = _LOCK_HOLDER.search(error)
    who = f"process {holder['pid']} ({holder['program']})" if holder else "another process"
    return (
        f"The warehouse {path} is in use by {who}: close that program (a DuckDB CLI, DBeaver, "
        "a notebook, or another dbt build) and run the build again, or build into another file "
        "with SEGMENTATION_DB=/path/to/other.duckdb. BI tools should read the exports instead "
        "of the open warehouse (docs/publishing.md)."
    )


def check_warehouse_unlocked(path: str, config: dict[str, Any] | None = None) -> None:
    """Raise :class:`WarehouseLockedError` with one clear line when another process holds the
    DuckDB file ``path``; do nothing when it is free, missing or in memory."""
    if not path or path == ":memory:" or not Path(path).exists():
        return
    import duckdb

    try:
        duckdb.connect(path, config=dict(config or {})).close()
    except duckdb.IOException as error:
        message = lock_message(path, str(error))
        if message is None:
            raise
        raise WarehouseLockedError(message) from None
