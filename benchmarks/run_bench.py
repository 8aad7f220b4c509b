"""`make bench ROWS=1000000`: the notebook baseline and our `dbt build` on the same generated file.

Generates the data with the project's generator (once; files stay in benchmarks/data/, which git
ignores), runs benchmarks/notebook_baseline.py and `dbt build` one after the other while sampling
the peak resident memory of each whole process tree, compares our labels with the baseline's
full-data k-means labels (adjusted Rand index, computed from a contingency table the warehouse
aggregates) and the full-data inertia of both, prints a table and appends it with the machine
description to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import duckdb
import numpy as np

from customer_segmentation.benchmark import (
    Measurement,
    adjusted_rand_index,
    append_results,
    generated_input,
    machine_description,
    ratio,
    run_measured,
)

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MIB = 1024**2


def run_baseline(data: Path, work: Path) -> tuple[Measurement, Path, float]:
    labels = work / "baseline_labels.parquet"
    command = [sys.executable, str(PROJECT_DIR / "benchmarks" / "notebook_baseline.py")]
    measurement = run_measured(
        [*command, str(data), str(labels)], log_path=work / "baseline.log", cwd=PROJECT_DIR
    )
    if measurement.returncode != 0:
        raise SystemExit(f"baseline failed, see {work / 'baseline.log'}")
    inertia = json.loads(Path(str(labels) + ".json").read_text())["inertia"]
    saved = {"wall": measurement.wall_seconds, "cpu": measurement.cpu_seconds}
    saved["rss"] = measurement.peak_rss_bytes
    (work / "baseline_measurement.json").write_text(json.dumps(saved))
    return measurement, labels, inertia


def reuse_baseline(work: Path) -> tuple[Measurement, Path, float]:
    """The baseline measured by an earlier run on the same file (`--baseline reuse`)."""
    labels = work / "baseline_labels.parquet"
    saved = json.loads((work / "baseline_measurement.json").read_text())
    inertia = json.loads(Path(str(labels) + ".json").read_text())["inertia"]
    measurement = Measurement(("reused",), 0, saved["wall"], saved["rss"], 0, saved["cpu"])
    return measurement, labels, inertia


def run_dbt(
    data: Path, fmt: str, work: Path, variables: dict
) -> tuple[Measurement, Measurement, Path]:
    database = work / "bench.duckdb"
    for stale in (database, Path(str(database) + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(work / "duckdb_tmp", ignore_errors=True)
    env = {
        **os.environ,
        "SEGMENTATION_DB": str(database),
        "SEGMENTATION_TEMP_DIR": str(work / "duckdb_tmp"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "0",
    }
    env.setdefault("SEGMENTATION_THREADS", str(os.cpu_count()))
    input_var = "customers_parquet" if fmt == "parquet" else "customers_csv"
    command = [
        str(BIN / "dbt"),
        "build",
        "--vars",
        json.dumps({input_var: str(data), **variables}),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work),
    ]
    # Parse first, untimed, with the same vars and target: the timed `dbt build` then runs with
    # a warm partial-parse cache, as every scheduled run after the first does. The parse time is
    # reported beside the build time.
    parse = run_measured(
        [*command[:1], "parse", *command[2:]], env=env, cwd=PROJECT_DIR, log_path=work / "parse.log"
    )
    if parse.returncode != 0:
        raise SystemExit(f"dbt parse failed, see {work / 'parse.log'}")
    measurement = run_measured(command, env=env, cwd=PROJECT_DIR, log_path=work / "dbt.log")
    if measurement.returncode != 0:
        raise SystemExit(f"dbt build failed, see {work / 'dbt.log'}")
    return parse, measurement, database


def compare(database: Path, baseline_labels: Path | None) -> tuple[int, float | None, float]:
    """Rows scored, ARI against the baseline's labels (None without baseline), our inertia."""
    with duckdb.connect(str(database), read_only=True) as con:
        n_rows, inertia = con.execute(
            "select count(*), sum(distance_to_centroid * distance_to_centroid)"
            " from customer_segments"
        ).fetchall()[0]
        if baseline_labels is None:
            return n_rows, None, inertia
        counts = con.execute(
            "select baseline.label, segments.segment_id, count(*) as n"
            " from customer_segments as segments"
            f" inner join read_parquet('{baseline_labels}') as baseline"
            " on segments.customer_id = cast(baseline.CUST_ID as varchar)"
            " group by all"
        ).fetchall()
    labels = sorted({row[0] for row in counts})
    segments = sorted({row[1] for row in counts})
    table = np.zeros((len(labels), len(segments)))
    for label, segment, n in counts:
        table[labels.index(label), segments.index(segment)] = n
    if table.sum() != n_rows:
        raise SystemExit(f"only {int(table.sum())} of {n_rows} customers matched the baseline")
    return n_rows, adjusted_rand_index(table), inertia


def fmt(value: float | None, pattern: str) -> str:
    return "n/a" if value is None else format(value, pattern)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument(
        "--baseline",
        choices=["auto", "yes", "no", "reuse"],
        default="auto",
        help="run the notebook baseline (auto: up to 20M rows; it needs ~0.75 GB per 1M rows); "
        "reuse: take the measurement and labels of an earlier run on the same file",
    )
    parser.add_argument("--vars", default="{}", help="extra dbt vars as JSON")
    parser.add_argument(
        "--fixed-cost-rows",
        type=int,
        default=1000,
        help="also time `dbt build` on this many rows: the cost that does not grow with the "
        "data (start-up, parsing, ~250 nodes, tests); 0 skips it",
    )
    parser.add_argument("--data-dir", type=Path, default=PROJECT_DIR / "benchmarks" / "data")
    parser.add_argument("--results", type=Path, default=PROJECT_DIR / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    variables = json.loads(args.vars)

    args.data_dir.mkdir(parents=True, exist_ok=True)
    machine = machine_description()
    with_baseline = args.baseline in ("yes", "reuse") or (
        args.baseline == "auto" and args.rows <= 20_000_000
    )
    # The baseline reads CSV (the notebook); a Parquet run still compares with a CSV baseline.
    data = generated_input(args.rows, args.seed, args.format, args.data_dir)
    csv = generated_input(args.rows, args.seed, "csv", args.data_dir) if with_baseline else data
    work = args.data_dir / f"run_{args.rows}_{args.format}"
    work.mkdir(exist_ok=True)

    baseline = labels = baseline_inertia = None
    if args.baseline == "reuse":
        baseline, labels, baseline_inertia = reuse_baseline(work)
    elif with_baseline:
        print("running the notebook baseline ...", flush=True)
        baseline, labels, baseline_inertia = run_baseline(csv, work)
    print("running dbt build ...", flush=True)
    parse, ours, database = run_dbt(data, args.format, work, variables)
    n_rows, ari, inertia = compare(database, labels)
    if n_rows != args.rows:
        raise SystemExit(f"dbt scored {n_rows} customers, expected {args.rows}")
    fixed = None
    if args.fixed_cost_rows > 0:
        print(f"running dbt build on {args.fixed_cost_rows:,} rows (fixed cost) ...", flush=True)
        small = generated_input(args.fixed_cost_rows, args.seed, args.format, args.data_dir)
        small_work = args.data_dir / f"run_{args.fixed_cost_rows}_{args.format}"
        small_work.mkdir(exist_ok=True)
        fixed = run_dbt(small, args.format, small_work, variables)[1]

    header = (
        "| rows | input | pipeline | wall s | CPU s | peak RSS MiB | wall ratio | CPU ratio "
        "| RSS ratio | ARI vs full fit | inertia ratio |"
    )
    lines = [header, "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    if baseline is not None:
        lines.append(
            f"| {args.rows:,} | csv | notebook baseline | {baseline.wall_seconds:.1f} "
            f"| {baseline.cpu_seconds:.1f} | {baseline.peak_rss_bytes / MIB:,.0f} "
            "| 1 | 1 | 1 | 1 | 1 |"
        )
    base_wall = baseline.wall_seconds if baseline else None
    base_rss = baseline.peak_rss_bytes if baseline else None
    base_cpu = baseline.cpu_seconds if baseline else None
    lines.append(
        f"| {args.rows:,} | {args.format} | dbt build | {ours.wall_seconds:.1f} "
        f"| {ours.cpu_seconds:.1f} | {ours.peak_rss_bytes / MIB:,.0f} "
        f"| {fmt(ratio(ours.wall_seconds, base_wall), '.3f')} "
        f"| {fmt(ratio(ours.cpu_seconds, base_cpu), '.3f')} "
        f"| {fmt(ratio(ours.peak_rss_bytes, base_rss), '.3f')} "
        f"| {fmt(ari, '.4f')} | {fmt(ratio(inertia, baseline_inertia), '.6f')} |"
    )
    if fixed is not None:
        lines.append(
            f"| {args.fixed_cost_rows:,} | {args.format} | dbt build (fixed cost) "
            f"| {fixed.wall_seconds:.1f} | {fixed.cpu_seconds:.1f} "
            f"| {fixed.peak_rss_bytes / MIB:,.0f} "
            f"| {fmt(ratio(fixed.wall_seconds, base_wall), '.3f')} "
            f"| {fmt(ratio(fixed.cpu_seconds, base_cpu), '.3f')} "
            f"| {fmt(ratio(fixed.peak_rss_bytes, base_rss), '.3f')} | | |"
        )
        marginal = ours.wall_seconds - fixed.wall_seconds
        lines.append(
            f"\nWork that grows with the data (wall of the build minus the fixed cost): "
            f"{marginal:.1f} s, {fmt(ratio(marginal, base_wall), '.3f')} times the baseline's wall."
        )
    lines.append(
        f"\n`dbt parse` beforehand (untimed above, warm partial-parse cache for the build): "
        f"{parse.wall_seconds:.1f} s wall, {parse.cpu_seconds:.1f} s CPU, "
        f"{parse.peak_rss_bytes / MIB:,.0f} MiB."
    )
    if args.baseline == "reuse":
        lines.append("The baseline row is reused from an earlier run on the same file.")
    table = "\n".join(lines)
    print(table)

    settings = {
        "SEGMENTATION_THREADS": os.environ.get("SEGMENTATION_THREADS", str(os.cpu_count())),
        "SEGMENTATION_MEMORY_LIMIT": os.environ.get("SEGMENTATION_MEMORY_LIMIT", "75%"),
        "vars": variables or "defaults",
    }
    append_results(
        args.results, f"{args.rows:,} rows, {args.format}", machine, settings, table, PROJECT_DIR
    )


if __name__ == "__main__":
    main()
