"""The least any dbt build that segments a file can cost, against issue 18's wall targets.

Issue 18 asks `dbt build` to take at most 0.75x the notebook's wall at 1M rows and 0.3x at 10M,
with a fixed cost (1,000 rows) of at most 15 s. This study times, each as a whole command on
the same CSV, the parts that every build of this project pays whatever its models do:

- `dbt --version`: dbt's own start-up (imports, CLI), paid by every dbt command;
- `dbt parse` with nothing changed: start-up plus the partial parse a monthly run does;
- `import sklearn.cluster` in a fresh Python (minus a bare Python start): the fit's import;
- the k-means fit itself as the project fits it (`fit_sample_size` customers, standardized,
  `n_init` restarts, one thread: decision 004), the sample drawn from the file's rows;
- DuckDB (two threads, the 1GB default memory limit): one typed pass over the file, and one
  pass that reads it and writes every row to Parquet (the least a build that publishes one
  row per customer writes);
- the notebook (benchmarks/notebook_baseline.py), whose wall the targets are ratios of.

The floor is the sum of the start-up and parse, the import, the fit and the read-and-write: a
build with no quarantine, no history, no diagnostics and a single node would still pay it.
Each part is run twice and the faster run counts (the floor is a lower bound).

Usage: python benchmarks/floor_study.py INPUT.csv [TARGET_RATIO]
e.g. the 1M file of `make bench DATA=cc ROWS=1000000`
(benchmarks/data/cc_general_1000000_seed42_month0.csv) with 0.75, the 10M one with 0.3.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from customer_segmentation.clustering import fit_kmeans
from customer_segmentation.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def best_of_two(action: Callable[[], object]) -> float:
    """The faster of two timed runs of `action`, in seconds."""
    times = []
    for _ in range(2):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def command(arguments: list[str], cwd: Path = PROJECT_DIR) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run(arguments, cwd=cwd, check=True, capture_output=True)

    return run


def fit_sample(path: Path, size: int, seed: int) -> pd.DataFrame:
    """`size` rows of the file, drawn without replacement, mean-imputed and standardized (the
    fit sees standardized features; how the sample is drawn does not change the fit's cost)."""
    data = pd.read_csv(path).drop(columns=["CUST_ID"])
    rows = np.random.default_rng(seed).choice(len(data), min(size, len(data)), replace=False)
    sample = data.iloc[np.sort(rows)]
    sample = sample.fillna(sample.mean())
    return (sample - sample.mean()) / sample.std(ddof=0)


def duckdb_pass(path: Path, write_to: Path | None) -> Callable[[], object]:
    def run() -> object:
        with duckdb.connect() as con:
            con.execute("set threads = 2; set memory_limit = '1GB'")
            source = f"read_csv('{path}')"
            if write_to is None:
                columns = con.sql(f"select * from {source} limit 0").columns
                sums = ", ".join(f'sum("{column}")' for column in columns[1:])
                return con.sql(f"select count(*), {sums} from {source}").fetchall()
            return con.execute(f"copy (select * from {source}) to '{write_to}' (format parquet)")

    return run


def main(path: Path, target_ratio: float) -> None:
    settings = Settings()
    n_init, seed = settings.kmeans.n_init, settings.kmeans.random_seed
    sample = fit_sample(path, settings.kmeans.fit_sample_size, seed)
    parts: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        target = ["--target-path", str(work / "target")]
        command([str(BIN / "dbt"), "parse", "--quiet", *target])()  # the parse cache
        parts["dbt --version (start-up)"] = best_of_two(command([str(BIN / "dbt"), "--version"]))
        parts["dbt parse, nothing changed"] = best_of_two(
            command([str(BIN / "dbt"), "parse", "--quiet", *target])
        )
        python = str(BIN / "python")
        bare = best_of_two(command([python, "-c", "pass"]))
        parts["import sklearn.cluster"] = (
            best_of_two(command([python, "-c", "import sklearn.cluster"])) - bare
        )
        parts[f"k-means on {len(sample):,} rows, n_init={n_init}, one thread"] = best_of_two(
            lambda: fit_kmeans(sample, n_clusters=4, n_init=n_init, random_seed=seed)
        )
        parts["DuckDB: one typed pass over the file"] = best_of_two(duckdb_pass(path, None))
        parts["DuckDB: read the file, write every row to Parquet"] = best_of_two(
            duckdb_pass(path, work / "rows.parquet")
        )
        notebook = best_of_two(
            command([python, "benchmarks/notebook_baseline.py", str(path), str(work / "nb.pq")])
        )
    floor = (
        parts["dbt parse, nothing changed"]
        + parts["import sklearn.cluster"]
        + parts[f"k-means on {len(sample):,} rows, n_init={n_init}, one thread"]
        + parts["DuckDB: read the file, write every row to Parquet"]
    )
    print(f"| {path.name} | seconds (faster of two runs) |\n|---|---:|")
    for name, seconds in parts.items():
        print(f"| {name} | {seconds:.2f} |")
    print(f"| floor: parse + import + fit + read-and-write | **{floor:.2f}** |")
    print(f"| notebook (benchmarks/notebook_baseline.py) | {notebook:.2f} |")
    print(f"| target: {target_ratio} x the notebook | {target_ratio * notebook:.2f} |")
    print(f"\nfloor / notebook = {floor / notebook:.3f} (target {target_ratio})")


if __name__ == "__main__":
    main(Path(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.75)
