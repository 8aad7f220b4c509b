"""The pieces of `make bench`: process-tree RSS sampling and the adjusted Rand index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.cluster import contingency_matrix

from customer_segmentation.benchmark import (
    adjusted_rand_index,
    append_results,
    descendants,
    machine_description,
    parent_pids,
    ratio,
    read_run_summary,
    rss_bytes,
    run_measured,
    summarize_run_results,
    tree_rss_bytes,
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")

# A child that allocates and touches ~200 MiB, then waits for its grandchild of ~100 MiB.
ALLOCATE = """
import subprocess, sys, time
block = bytearray(200 * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1
grandchild = "b = bytearray(100 * 1024 * 1024)\\nfor i in range(0, len(b), 4096): b[i] = 1\\n"
grandchild += "import time; time.sleep(1.5)"
subprocess.run([sys.executable, "-c", grandchild], check=True)
"""


def test_descendants_walks_the_whole_tree() -> None:
    parents = {2: 1, 3: 2, 4: 3, 5: 1, 6: 99}
    assert descendants(2, parents) == {2, 3, 4}
    assert descendants(1, parents) == {1, 2, 3, 4, 5}
    assert descendants(6, parents) == {6}


def test_parent_pids_and_rss_of_this_process() -> None:
    parents = parent_pids()
    assert parents[os.getpid()] == os.getppid()
    assert rss_bytes(os.getpid()) > 10 * 1024 * 1024
    assert rss_bytes(2**22 + 12345) == 0  # no such process
    # the tree's RSS includes this process's; the process's own RSS moves between two reads
    # (a page or two), so compare with the smaller of the reads taken before and after
    before = rss_bytes(os.getpid())
    tree = tree_rss_bytes(os.getpid())
    after = rss_bytes(os.getpid())
    assert tree >= min(before, after)


def test_parent_pids_parses_names_with_spaces_and_parentheses(tmp_path: Path) -> None:
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "stat").write_text("42 (my (odd) name) S 7 42 42 0 -1\n")
    (tmp_path / "self").mkdir()
    assert parent_pids(tmp_path) == {42: 7}


def test_run_measured_counts_children_and_grandchildren() -> None:
    measurement = run_measured([sys.executable, "-c", ALLOCATE], interval_seconds=0.02)
    assert measurement.returncode == 0
    assert measurement.n_samples > 1
    # 200 MiB in the child + 100 MiB in the grandchild, alive at the same time
    assert measurement.peak_rss_bytes > 300 * 1024 * 1024
    assert measurement.peak_rss_bytes < 600 * 1024 * 1024
    assert measurement.cpu_seconds > 0


def test_run_measured_reports_failure_and_rejects_bad_interval() -> None:
    assert run_measured([sys.executable, "-c", "raise SystemExit(3)"]).returncode == 3
    with pytest.raises(ValueError, match="interval_seconds must be positive"):
        run_measured(["true"], interval_seconds=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adjusted_rand_index_equals_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, 5000)
    noisy = np.where(rng.random(5000) < 0.2, rng.integers(0, 5, 5000), truth)
    expected = adjusted_rand_score(truth, noisy)
    assert adjusted_rand_index(contingency_matrix(truth, noisy)) == pytest.approx(expected, 1e-12)


def test_adjusted_rand_index_edge_cases() -> None:
    # a relabelling is a perfect match
    assert adjusted_rand_index(np.array([[0, 5], [7, 0]])) == pytest.approx(1.0)
    assert adjusted_rand_index(np.array([[10]])) == 1.0
    assert adjusted_rand_index(np.zeros((0, 0))) == 1.0
    with pytest.raises(ValueError, match="non-negative"):
        adjusted_rand_index(np.array([[1, -1]]))


def test_ratio_and_machine_description() -> None:
    assert ratio(3.0, 12.0) == 0.25
    assert ratio(3.0, None) is None
    assert ratio(3.0, 0) is None
    machine = machine_description()
    assert machine["cores"] == str(os.cpu_count())
    assert machine["memory"].endswith("GiB")
    assert machine["duckdb"] != "not installed"


def test_notebook_baseline_script_writes_labels(tmp_path: Path) -> None:
    """The baseline is exactly the notebook pipeline: same labels as doing it by hand."""
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    from customer_segmentation.generator import write_customers

    csv = write_customers(tmp_path / "customers.csv", 3000, seed=5)
    out = tmp_path / "labels.parquet"
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "notebook_baseline.py"
    subprocess.run([sys.executable, str(script), str(csv), str(out)], check=True)
    labels = pd.read_parquet(out)
    data = pd.read_csv(csv).drop(columns="CUST_ID")
    scaled = StandardScaler().fit_transform(data.fillna(data.mean()))
    expected = KMeans(n_clusters=4, n_init=10, random_state=42).fit(scaled).labels_
    assert (labels["label"].to_numpy() == expected).all()
    assert list(labels.columns) == ["CUST_ID", "label", "pc1", "pc2"]


def test_append_results_adds_a_dated_section_and_keeps_earlier_ones(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n")
    project = Path(__file__).resolve().parents[2]
    table = "| a | b |\n|---|---|\n| 1 | 2 |"
    append_results(results, "1,000 rows, csv", {"cores": "2"}, {"vars": "defaults"}, table, project)
    text = results.read_text()
    assert text.startswith("# Results\n\n### 1,000 rows, csv — ")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=project, capture_output=True, text=True
    ).stdout.strip()
    assert f" UTC, commit {commit}\n" in text
    assert "Machine: cores: 2.  \nSettings: {'vars': 'defaults'}.\n\n" + table + "\n" in text


def test_summarize_run_results_counts_and_times_by_resource_type(tmp_path: Path) -> None:
    results = {
        "elapsed_time": 12.5,
        "results": [
            {"unique_id": "model.segmentation.a", "execution_time": 3.0},
            {"unique_id": "model.segmentation.b", "execution_time": 1.0},
            {"unique_id": "test.segmentation.not_null_a_x.123", "execution_time": 0.5},
            {"unique_id": "test.segmentation.unique_a_x.456", "execution_time": 0.25},
            {"unique_id": "unit_test.segmentation.a.case", "execution_time": None},
        ],
    }
    summary = summarize_run_results(results, top=2)
    assert summary.elapsed_seconds == 12.5
    assert summary.nodes == {"model": 2, "test": 2, "unit_test": 1}
    assert summary.node_seconds == {"model": 4.0, "test": 0.75, "unit_test": 0.0}
    assert summary.slowest == (("model.segmentation.a", 3.0), ("model.segmentation.b", 1.0))
    path = tmp_path / "run_results.json"
    assert read_run_summary(path) is None
    path.write_text(json.dumps(results))
    assert read_run_summary(path, top=2) == summary
    with pytest.raises(ValueError, match="no 'results' list"):
        summarize_run_results({"elapsed_time": 1})
