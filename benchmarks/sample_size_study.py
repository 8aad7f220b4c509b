"""How large must the fit sample be? Fits KMeans(4, n_init=10, seed 42) on seeded samples of a
generated file and compares the labels every customer gets from the sample's centroids with a
full-data fit (the notebook's labels): adjusted Rand index and the full-data inertia ratio. Also
evaluates full-data Lloyd refinement steps started from the sample's centroids.

Usage: python benchmarks/sample_size_study.py DATA.csv OUT.md [SIZES...]
A study, not part of the pipeline: it loads the whole file into pandas on purpose.
"""

from __future__ import annotations

import hashlib
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler


def nearest(x: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, float]:
    """Labels (ties to the lower index) and inertia of assigning x to centers, in chunks."""
    labels = np.empty(len(x), dtype=np.int64)
    inertia = 0.0
    for start in range(0, len(x), 200_000):
        block = x[start : start + 200_000]
        d = ((block[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        labels[start : start + len(block)] = d.argmin(axis=1)
        inertia += float(d.min(axis=1).sum())
    return labels, inertia


def lloyd_step(x: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> np.ndarray:
    new = centers.copy()
    for k in range(len(centers)):
        members = labels == k
        if members.any():
            new[k] = x[members].mean(axis=0)
    return new


def main(path: str, out: str, sizes: list[int]) -> None:
    data = pd.read_csv(path)
    ids = data.pop("CUST_ID").astype(str)
    x = StandardScaler().fit_transform(data.fillna(data.mean()))
    start = time.perf_counter()
    full = KMeans(n_clusters=4, n_init=10, random_state=42).fit(x)
    full_seconds = time.perf_counter() - start
    full_labels, full_inertia = nearest(x, full.cluster_centers_)
    order = np.argsort([hashlib.md5(f"{i}-42".encode()).hexdigest() for i in ids], kind="stable")
    lines = [
        f"Data: `{path}` ({len(x):,} rows). Full-data fit: {full_seconds:.1f} s, "
        f"inertia {full_inertia:.6g}.",
        "",
        "| fit sample | fit s | ARI | inertia ratio | ARI +1 Lloyd | ARI +2 Lloyd "
        "| ARI +5 Lloyd | inertia ratio +5 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        sample = x[order[:size]]
        start = time.perf_counter()
        fit = KMeans(n_clusters=4, n_init=10, random_state=42).fit(sample)
        seconds = time.perf_counter() - start
        centers = fit.cluster_centers_
        labels, inertia = nearest(x, centers)
        row = [f"{size:,}", f"{seconds:.1f}", f"{adjusted_rand_score(full_labels, labels):.4f}"]
        row.append(f"{inertia / full_inertia:.6f}")
        for step in range(1, 6):
            centers = lloyd_step(x, labels, centers)
            labels, inertia = nearest(x, centers)
            if step in (1, 2, 5):
                row.append(f"{adjusted_rand_score(full_labels, labels):.4f}")
        row.append(f"{inertia / full_inertia:.6f}")
        lines.append("| " + " | ".join(row) + " |")
        print(lines[-1], flush=True)
    with open(out, "a") as handle:
        handle.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]] or [50_000, 100_000, 200_000])
