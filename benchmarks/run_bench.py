"""`make bench ROWS=1000000`: the notebook baseline and our `dbt build` on the same input file.

Input (`--data`): `generated` customers from the project's generator, or `cc`: CC GENERAL
(../shared/data/cc_general.csv) resampled with replacement to ROWS rows, every value jittered
x (1 + N(0, 0.05)) and clipped to its valid range, with new unique ids (seeded; see
customer_segmentation.resample). Files are made once and kept in benchmarks/data/ (git-ignored).

One run (`--runs 1`): runs benchmarks/notebook_baseline.py and `dbt build` one after the other
while sampling the peak resident memory of each whole process tree, compares our labels with the
baseline's full-data k-means labels (adjusted Rand index, computed from a contingency table the
warehouse aggregates) and the full-data inertia of both, times the same build on 1,000 rows (the
cost that does not grow with the data), prints a table and appends it with the machine description
to benchmarks/RESULTS.md.

Every figure is a whole command as a user runs it: `dbt build` with start-up and parsing included,
after an (untimed) `dbt parse` with the previous month's settings, i.e. with a partial-parse cache
whose input path differs, as in every scheduled monthly run.

Monthly runs (`--runs 12`): twelve builds into ONE warehouse, month m reading its own input (the
same customers with a fresh jitter for `cc`; generator seed + m for `generated`) with `as_of_date`
the first of month m, each timed; no baseline. The table shows each month's cost and its ratio to
the second month's.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from customer_segmentation.benchmark import (
    Measurement,
    RunSummary,
    adjusted_rand_index,
    append_results,
    generated_input,
    machine_description,
    ratio,
    read_run_summary,
    run_measured,
)
from customer_segmentation.resample import read_source, write_resampled

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MIB = 1024**2
DEFAULT_CC_GENERAL = PROJECT_DIR.parent / "shared" / "data" / "cc_general.csv"
#: as_of_date of month 0 in `--runs` mode
FIRST_MONTH = datetime.date(2026, 1, 1)


@dataclass
class Inputs:
    """Where the benchmark's input files come from (`--data`)."""

    kind: str
    seed: int
    fmt: str
    data_dir: Path
    cc_general: Path
    _source: pd.DataFrame | None = None

    def path(self, rows: int, month: int = 0) -> Path:
        """The input file of ``rows`` customers for ``month`` (made on first use)."""
        if self.kind == "generated":
            return generated_input(rows, self.seed + month, self.fmt, self.data_dir)
        path = self.data_dir / f"cc_general_{rows}_seed{self.seed}_month{month}.{self.fmt}"
        if not path.exists():
            if self._source is None:
                self._source = read_source(self.cc_general)
            print(f"resampling CC GENERAL to {rows:,} rows (month {month}) into {path} ...")
            write_resampled(path, self._source, rows, self.seed, month)
        return path

    def label(self) -> str:
        return "CC GENERAL resampled" if self.kind == "cc" else "generated"


def month_start(month: int) -> datetime.date:
    """First day of the ``month``-th month after FIRST_MONTH."""
    total = FIRST_MONTH.year * 12 + FIRST_MONTH.month - 1 + month
    return datetime.date(total // 12, total % 12 + 1, 1)


def schedule_settings(data: Path, fmt: str, as_of: str | None) -> tuple[dict, dict[str, str]]:
    """How a scheduled run passes this month's input and run date: (dbt vars, environment).
    As docs/lean-build.md documents: SEGMENTATION_CUSTOMERS_CSV or
    SEGMENTATION_CUSTOMERS_PARQUET, and SEGMENTATION_AS_OF, which re-parse nothing."""
    variables: dict = {}
    env: dict[str, str] = {}
    if fmt == "parquet":
        env["SEGMENTATION_CUSTOMERS_PARQUET"] = str(data)
    else:
        env["SEGMENTATION_CUSTOMERS_CSV"] = str(data)
    if as_of is not None:
        env["SEGMENTATION_AS_OF"] = as_of
    return variables, env


@dataclass(frozen=True)
class Build:
    measurement: Measurement
    summary: RunSummary | None
    database: Path


def dbt_environment(work: Path, database: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "SEGMENTATION_DB": str(database),
        "SEGMENTATION_TEMP_DIR": str(work / "duckdb_tmp"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "0",
    }
    env.setdefault("SEGMENTATION_THREADS", str(os.cpu_count()))
    return env


def dbt_command(verb: str, work: Path, variables: dict) -> list[str]:
    return [
        str(BIN / "dbt"),
        verb,
        "--vars",
        json.dumps(variables),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work),
    ]


def fresh_warehouse(work: Path) -> Path:
    database = work / "bench.duckdb"
    for stale in (database, Path(str(database) + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(work / "duckdb_tmp", ignore_errors=True)
    return database


def previous_month_parse(data: Path, fmt: str, work: Path, database: Path, extra: dict) -> None:
    """Untimed `dbt parse` with last month's settings (another input path, same contents), so
    the timed build starts from the partial-parse cache a monthly schedule leaves behind."""
    previous = work / f"previous_month{data.suffix}"
    previous.unlink(missing_ok=True)
    previous.symlink_to(data.resolve())
    variables, env = schedule_settings(previous, fmt, None)
    env = {**dbt_environment(work, database), **env}
    command = dbt_command("parse", work, {**variables, **extra})
    parse = run_measured(command, env=env, cwd=PROJECT_DIR, log_path=work / "parse.log")
    if parse.returncode != 0:
        raise SystemExit(f"dbt parse failed, see {work / 'parse.log'}")


def timed_build(
    data: Path, fmt: str, work: Path, database: Path, extra: dict, as_of: str | None, label: str
) -> Build:
    """`dbt build` as a scheduled run makes it, timed whole (start-up and parsing included)."""
    variables, env = schedule_settings(data, fmt, as_of)
    env = {**dbt_environment(work, database), **env}
    command = dbt_command("build", work, {**variables, **extra})
    log = work / f"dbt_{label}.log"
    measurement = run_measured(command, env=env, cwd=PROJECT_DIR, log_path=log)
    if measurement.returncode != 0:
        raise SystemExit(f"dbt build failed, see {log}")
    results = work / "target" / "run_results.json"
    kept = work / f"run_results_{label}.json"
    if results.exists():
        shutil.copyfile(results, kept)
    return Build(measurement, read_run_summary(kept), database)


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


def describe_build(name: str, build: Build) -> str:
    """Where the wall time of one build went, from dbt's run_results.json."""
    wall = build.measurement.wall_seconds
    summary = build.summary
    if summary is None:
        return f"- {name}: {wall:.1f} s wall (no run_results.json)"
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.nodes.items()))
    tests = summary.node_seconds.get("test", 0.0) + summary.node_seconds.get("unit_test", 0.0)
    slowest = ", ".join(
        f"{unique_id.split('.')[-1]} {seconds:.1f}" for unique_id, seconds in summary.slowest[:5]
    )
    return (
        f"- {name}: {wall:.1f} s wall = {wall - summary.elapsed_seconds:.1f} s start-up and "
        f"parsing + {summary.elapsed_seconds:.1f} s dbt run; nodes: {counts}; tests "
        f"{tests:.1f} s node time; slowest nodes (s): {slowest}."
    )


def single_run(args: argparse.Namespace, inputs: Inputs, variables: dict) -> tuple[str, str]:
    with_baseline = args.baseline in ("yes", "reuse") or (
        args.baseline == "auto" and args.rows <= 20_000_000
    )
    # The baseline reads CSV (the notebook); a Parquet run still compares with a CSV baseline.
    data = inputs.path(args.rows)
    csv = (
        Inputs(inputs.kind, inputs.seed, "csv", inputs.data_dir, inputs.cc_general).path(args.rows)
        if with_baseline and inputs.fmt != "csv"
        else data
    )
    work = args.data_dir / f"run_{args.data}_{args.rows}_{args.format}"
    work.mkdir(exist_ok=True)

    baseline = labels = baseline_inertia = None
    if args.baseline == "reuse":
        baseline, labels, baseline_inertia = reuse_baseline(work)
    elif with_baseline:
        print("running the notebook baseline ...", flush=True)
        baseline, labels, baseline_inertia = run_baseline(csv, work)
    print("running dbt build ...", flush=True)
    database = fresh_warehouse(work)
    previous_month_parse(data, args.format, work, database, variables)
    ours = timed_build(data, args.format, work, database, variables, None, "build")
    n_rows, ari, inertia = compare(database, labels)
    if n_rows != args.rows:
        raise SystemExit(f"dbt scored {n_rows} customers, expected {args.rows}")
    fixed = None
    if args.fixed_cost_rows > 0:
        print(f"running dbt build on {args.fixed_cost_rows:,} rows (fixed cost) ...", flush=True)
        small = inputs.path(args.fixed_cost_rows)
        small_work = args.data_dir / f"run_{args.data}_{args.fixed_cost_rows}_{args.format}"
        small_work.mkdir(exist_ok=True)
        small_db = fresh_warehouse(small_work)
        previous_month_parse(small, args.format, small_work, small_db, variables)
        fixed = timed_build(small, args.format, small_work, small_db, variables, None, "build")

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
    measured = ours.measurement
    lines.append(
        f"| {args.rows:,} | {args.format} | dbt build | {measured.wall_seconds:.1f} "
        f"| {measured.cpu_seconds:.1f} | {measured.peak_rss_bytes / MIB:,.0f} "
        f"| {fmt(ratio(measured.wall_seconds, base_wall), '.3f')} "
        f"| {fmt(ratio(measured.cpu_seconds, base_cpu), '.3f')} "
        f"| {fmt(ratio(measured.peak_rss_bytes, base_rss), '.3f')} "
        f"| {fmt(ari, '.4f')} | {fmt(ratio(inertia, baseline_inertia), '.6f')} |"
    )
    notes = [describe_build(f"dbt build, {args.rows:,} rows", ours)]
    if fixed is not None:
        small_measured = fixed.measurement
        lines.append(
            f"| {args.fixed_cost_rows:,} | {args.format} | dbt build (fixed cost) "
            f"| {small_measured.wall_seconds:.1f} | {small_measured.cpu_seconds:.1f} "
            f"| {small_measured.peak_rss_bytes / MIB:,.0f} "
            f"| {fmt(ratio(small_measured.wall_seconds, base_wall), '.3f')} "
            f"| {fmt(ratio(small_measured.cpu_seconds, base_cpu), '.3f')} "
            f"| {fmt(ratio(small_measured.peak_rss_bytes, base_rss), '.3f')} | | |"
        )
        notes.append(describe_build(f"dbt build, {args.fixed_cost_rows:,} rows", fixed))
        marginal = measured.wall_seconds - small_measured.wall_seconds
        notes.append(
            f"\nWork that grows with the data (wall of the build minus the fixed cost): "
            f"{marginal:.1f} s, {fmt(ratio(marginal, base_wall), '.3f')} times the baseline's wall."
        )
    lines.append(
        f"\nInput: {inputs.label()}. Builds timed whole (start-up and parsing included), each "
        "after a `dbt parse` with the previous month's input path, as in a monthly schedule.\n"
    )
    lines.extend(notes)
    if args.baseline == "reuse":
        lines.append("The baseline row is reused from an earlier run on the same file.")
    return f"{args.rows:,} rows, {args.format}, {inputs.label()}", "\n".join(lines)


def monthly_runs(args: argparse.Namespace, inputs: Inputs, variables: dict) -> tuple[str, str]:
    work = args.data_dir / f"runs_{args.data}_{args.rows}_{args.format}"
    work.mkdir(exist_ok=True)
    database = fresh_warehouse(work)
    builds: list[tuple[str, Build]] = []
    for month in range(args.runs):
        data = inputs.path(args.rows, month)
        if month == 0:
            previous_month_parse(data, args.format, work, database, variables)
        as_of = month_start(month).isoformat()
        print(f"month {month + 1}/{args.runs}: dbt build, as_of_date {as_of} ...", flush=True)
        build = timed_build(data, args.format, work, database, variables, as_of, f"month{month}")
        builds.append((as_of, build))
        if month > 0:  # month 0 is the cached single-run input; later months are made per run
            data.unlink(missing_ok=True)
    n_rows = compare(database, None)[0]
    if n_rows != args.rows:
        raise SystemExit(f"dbt scored {n_rows} customers, expected {args.rows}")

    second = builds[1][1].measurement.wall_seconds if len(builds) > 1 else None
    lines = [
        "| month | as_of_date | wall s | CPU s | peak RSS MiB | start-up + parse s | dbt run s "
        "| tests node s | wall / 2nd month |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for month, (as_of, build) in enumerate(builds, start=1):
        measured, summary = build.measurement, build.summary
        elapsed = summary.elapsed_seconds if summary else None
        tests = (
            summary.node_seconds.get("test", 0.0) + summary.node_seconds.get("unit_test", 0.0)
            if summary
            else None
        )
        startup = measured.wall_seconds - elapsed if elapsed is not None else None
        lines.append(
            f"| {month} | {as_of} | {measured.wall_seconds:.1f} | {measured.cpu_seconds:.1f} "
            f"| {measured.peak_rss_bytes / MIB:,.0f} | {fmt(startup, '.1f')} "
            f"| {fmt(elapsed, '.1f')} | {fmt(tests, '.1f')} "
            f"| {fmt(ratio(measured.wall_seconds, second), '.3f')} |"
        )
    lines.append(
        f"\nInput: {inputs.label()}, {args.rows:,} rows a month into one warehouse; each month a "
        "new input file and `as_of_date`; builds timed whole (start-up and parsing included).\n"
    )
    lines.extend(describe_build(f"month {m}", b) for m, (_, b) in enumerate(builds, start=1))
    heading = f"{args.runs} monthly runs of {args.rows:,} rows, {args.format}, {inputs.label()}"
    if variables:
        heading += f", vars {json.dumps(variables, sort_keys=True)}"
    return heading, "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument(
        "--data",
        choices=["generated", "cc"],
        default="generated",
        help="generated customers, or CC GENERAL resampled to --rows rows (real distributions)",
    )
    parser.add_argument(
        "--cc-general",
        type=Path,
        default=DEFAULT_CC_GENERAL,
        help="the CC GENERAL CSV resampled by --data cc (default: ../shared/data/cc_general.csv)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="1: baseline + one build; N > 1: N monthly builds into one warehouse, each timed",
    )
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
        "data (start-up, parsing, every node, tests); 0 skips it",
    )
    parser.add_argument("--data-dir", type=Path, default=PROJECT_DIR / "benchmarks" / "data")
    parser.add_argument("--results", type=Path, default=PROJECT_DIR / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    if args.data == "cc" and not args.cc_general.exists():
        parser.error(f"CC GENERAL not found at {args.cc_general}: pass --cc-general PATH")
    variables = json.loads(args.vars)

    args.data_dir.mkdir(parents=True, exist_ok=True)
    machine = machine_description()
    inputs = Inputs(args.data, args.seed, args.format, args.data_dir, args.cc_general)
    if args.runs == 1:
        heading, table = single_run(args, inputs, variables)
    else:
        heading, table = monthly_runs(args, inputs, variables)
    print(table)

    settings = {
        "SEGMENTATION_THREADS": os.environ.get("SEGMENTATION_THREADS", str(os.cpu_count())),
        "SEGMENTATION_MEMORY_LIMIT": os.environ.get("SEGMENTATION_MEMORY_LIMIT", "1GB"),
        "vars": variables or "defaults",
    }
    append_results(args.results, heading, machine, settings, table, PROJECT_DIR)


if __name__ == "__main__":
    main()
