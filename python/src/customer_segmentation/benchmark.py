"""Pieces of `make bench`: run a command while sampling the peak memory of its whole process tree,
compare two labelings (adjusted Rand index from a contingency table), summarize dbt's node timings
and describe the machine.

Linux only (reads /proc). Pure functions where possible so they can be tested without running a
benchmark.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from customer_segmentation.generator import write_customers

PROC = Path("/proc")


def parent_pids(proc: Path = PROC) -> dict[int, int]:
    """pid -> parent pid of every process visible in ``proc``."""
    parents: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we were looking
            continue
        # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(root: int, parents: Mapping[int, int]) -> set[int]:
    """``root`` and every process below it in the parent -> child tree."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    tree, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in tree:
                tree.add(child)
                stack.append(child)
    return tree


def rss_bytes(pid: int, proc: Path = PROC) -> int:
    """Resident set size of one process (VmRSS), 0 if it is gone or has no memory (zombie)."""
    try:
        status = (proc / str(pid) / "status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            value, unit = line.split()[1:3]
            if unit.lower() != "kb":
                raise ValueError(f"unexpected VmRSS unit {unit!r} for pid {pid}")
            return int(value) * 1024
    return 0


def tree_rss_bytes(root: int, proc: Path = PROC) -> int:
    """Sum of the resident set sizes of ``root`` and all its descendants, right now."""
    return sum(rss_bytes(pid, proc) for pid in descendants(root, parent_pids(proc)))


@dataclass(frozen=True)
class Measurement:
    """Wall time and peak resident memory (whole process tree) of one command."""

    command: tuple[str, ...]
    returncode: int
    wall_seconds: float
    peak_rss_bytes: int
    n_samples: int
    #: user + system CPU time of the command and its waited-for descendants; unlike wall time
    #: it hardly depends on what else the machine is running.
    cpu_seconds: float = 0.0


def run_measured(
    command: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    interval_seconds: float = 0.05,
    log_path: str | Path | None = None,
) -> Measurement:
    """Run ``command``, sampling the RSS of its process tree every ``interval_seconds``.

    The peak is the largest *sum over the tree* seen in one sample, so memory of child processes
    (dbt's threads live in one process, but a shell or a worker pool would not) is counted.
    Output goes to ``log_path`` (or is discarded).
    """
    if interval_seconds <= 0:
        raise ValueError(f"interval_seconds must be positive, got {interval_seconds}")
    with open(log_path or os.devnull, "w") as log:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(command), env=dict(env) if env else None, cwd=cwd, stdout=log, stderr=log
        )
        peak, samples = 0, 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak, samples
            while not done.is_set():
                peak = max(peak, tree_rss_bytes(process.pid))
                samples += 1
                done.wait(interval_seconds)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        returncode = os.waitstatus_to_exitcode(status)
        process.returncode = returncode  # reaped by wait4, tell Popen
        done.set()
        sampler.join()
    cpu = usage.ru_utime + usage.ru_stime
    return Measurement(tuple(command), returncode, wall, peak, samples, cpu)


def adjusted_rand_index(contingency: np.ndarray) -> float:
    """Adjusted Rand index (Hubert & Arabie) from a contingency table of two labelings.

    ``contingency[i, j]`` counts the items with label i in the first and j in the second
    labeling. Equal to scikit-learn's ``adjusted_rand_score`` on the underlying labels; taking
    counts lets the warehouse do the (large) join and group-by.
    """
    table = np.asarray(contingency, dtype=np.float64)
    if table.ndim != 2 or (table < 0).any():
        raise ValueError("contingency must be a 2-d table of non-negative counts")
    n = table.sum()

    def pairs(x: np.ndarray) -> np.ndarray:
        result: np.ndarray = x * (x - 1) / 2
        return result

    sum_cells = float(pairs(table).sum())
    sum_rows = float(pairs(table.sum(axis=1)).sum())
    sum_columns = float(pairs(table.sum(axis=0)).sum())
    total = float(n * (n - 1) / 2)
    if total == 0:
        return 1.0
    expected = sum_rows * sum_columns / total
    maximum = (sum_rows + sum_columns) / 2
    if maximum == expected:  # both labelings put everything in one cluster (or all singletons)
        return 1.0
    return (sum_cells - expected) / (maximum - expected)


def machine_description() -> dict[str, str]:
    """Cores, memory, CPU and the versions that matter for the benchmark."""
    memory_kb = 0
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {
        name: _version(name)
        for name in ("duckdb", "dbt-core", "dbt-duckdb", "pandas", "scikit-learn", "numpy")
    }
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{memory_kb / 1024**2:.1f} GiB",
        "cpu": cpu,
        "python": platform.python_version(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        **versions,
    }


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def ratio(numerator: float, denominator: float | None) -> float | None:
    """numerator / denominator, or None when there is no (positive) denominator."""
    if denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def generated_input(rows: int, seed: int, fmt: str, data_dir: Path) -> Path:
    """The benchmark input of ``rows`` generated customers as ``fmt`` (csv | parquet) in
    ``data_dir``, generated on first use and reused by later runs."""
    path = data_dir / f"customers_{rows}_seed{seed}.{fmt}"
    if not path.exists():
        print(f"generating {rows:,} customers into {path} ...", flush=True)
        write_customers(path, rows, seed)
    return path


def append_results(
    results: Path,
    heading: str,
    machine: Mapping[str, str],
    settings: Mapping[str, object],
    table: str,
    project_dir: Path,
) -> None:
    """Append a benchmark ``table`` to the Markdown file ``results`` under a heading with the
    time (UTC) and the project's git commit, followed by the machine and the settings."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=project_dir, capture_output=True, text=True
    ).stdout.strip()
    machine_line = ", ".join(f"{key}: {value}" for key, value in machine.items())
    with results.open("a") as handle:
        handle.write(
            f"\n### {heading}"
            f" — {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {commit}\n\n"
            f"Machine: {machine_line}.  \nSettings: {dict(settings)}.\n\n{table}\n"
        )
    print(f"appended to {results}")


@dataclass(frozen=True)
class RunSummary:
    """What dbt's run_results.json says about one invocation."""

    #: dbt's own elapsed time of the run (after start-up and parsing, hooks included)
    elapsed_seconds: float
    #: number of nodes executed, by resource type (model, test, unit_test, seed, snapshot)
    nodes: dict[str, int]
    #: summed node execution time, by resource type
    node_seconds: dict[str, float]
    #: (unique_id, execution seconds), slowest first
    slowest: tuple[tuple[str, float], ...]


def summarize_run_results(run_results: Mapping[str, object], top: int = 10) -> RunSummary:
    """Node counts and times by resource type, and the ``top`` slowest nodes, of a parsed
    run_results.json (the resource type is the first part of each node's unique_id)."""
    results = run_results.get("results")
    if not isinstance(results, list):
        raise ValueError("run_results has no 'results' list")
    nodes: dict[str, int] = {}
    seconds: dict[str, float] = {}
    timed: list[tuple[str, float]] = []
    for result in results:
        unique_id = str(result["unique_id"])
        kind = unique_id.split(".", 1)[0]
        execution = float(result.get("execution_time") or 0.0)
        nodes[kind] = nodes.get(kind, 0) + 1
        seconds[kind] = seconds.get(kind, 0.0) + execution
        timed.append((unique_id, execution))
    timed.sort(key=lambda item: (-item[1], item[0]))
    elapsed = float(run_results.get("elapsed_time") or 0.0)  # type: ignore[arg-type]
    return RunSummary(elapsed, nodes, seconds, tuple(timed[:top]))


def read_run_summary(path: str | Path, top: int = 10) -> RunSummary | None:
    """``summarize_run_results`` of a run_results.json file, None when it does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    return summarize_run_results(json.loads(path.read_text()), top)
