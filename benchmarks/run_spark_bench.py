"""`make bench-spark ROWS=1000000`: the same `dbt build` on DuckDB and on Spark local, same file.

Generates the data with the project's generator (files stay in benchmarks/data/, which git
ignores), runs `dbt build --target duck` and `segmentation-spark-dbt build --target spark_local`
one after the other (each cold: a fresh DuckDB file, a fresh Spark warehouse) while sampling the
peak resident memory of each whole process tree (the JVM is a thread of neither: Spark's driver
JVM is a child process of the Python launcher, and /proc counts it, /usr/bin/time would not),
checks that both labelled every customer the same (adjusted Rand index from a contingency table),
prints a table and appends it with the machine description to benchmarks/SPARK.md.
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
    run_measured,
)

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MIB = 1024**2


def build(engine: str, data: Path, fmt: str, work: Path, variables: dict) -> Measurement:
    """One cold `dbt build` of ``data`` on ``engine`` (duck | spark_local), measured."""
    folder = work / engine
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {
        **os.environ,
        "SEGMENTATION_DB": str(folder / "bench.duckdb"),
        "SEGMENTATION_TEMP_DIR": str(folder / "duckdb_tmp"),
        "SEGMENTATION_EXPORTS_DIR": str(folder / "exports"),
        "SEGMENTATION_SPARK_DIR": str(folder / "spark"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "0",
    }
    env.setdefault("SEGMENTATION_THREADS", str(os.cpu_count()))
    input_var = "customers_parquet" if fmt == "parquet" else "customers_csv"
    program = "dbt" if engine == "duck" else "segmentation-spark-dbt"
    command = [
        str(BIN / program),
        "build",
        "--target",
        engine,
        "--vars",
        json.dumps({input_var: str(data), **variables}),
        "--target-path",
        str(folder / "target"),
        "--log-path",
        str(folder),
    ]
    print(f"{engine}: {' '.join(command[:3])} ...", flush=True)
    measurement = run_measured(command, env=env, cwd=PROJECT_DIR, log_path=folder / "build.log")
    if measurement.returncode != 0:
        raise SystemExit(f"{engine} build failed, see {folder / 'build.log'}")
    return measurement


def labels_agreement(work: Path) -> tuple[float, int]:
    """ARI of the two engines' customer_segments labels and the number of customers compared."""
    spark_folder = work / "spark_local" / "spark" / "warehouse" / "segmentation.db"
    with duckdb.connect(str(work / "duck" / "bench.duckdb"), read_only=True) as con:
        rows = con.sql(
            f"""
            select duck.segment_id as duck_segment, spark.segment_id as spark_segment,
                count(*) as n
            from main.customer_segments as duck
            inner join read_parquet('{spark_folder}/customer_segments/*.parquet') as spark
                on duck.customer_id = spark.customer_id
            group by all
            """
        ).fetchall()
    duck_ids = sorted({row[0] for row in rows})
    spark_ids = sorted({row[1] for row in rows})
    table = np.zeros((len(duck_ids), len(spark_ids)))
    for duck_segment, spark_segment, n in rows:
        table[duck_ids.index(duck_segment), spark_ids.index(spark_segment)] = n
    return adjusted_rand_index(table), int(table.sum())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--vars", default="{}", help="extra dbt vars as JSON")
    parser.add_argument("--data-dir", type=Path, default=PROJECT_DIR / "benchmarks" / "data")
    parser.add_argument("--results", type=Path, default=PROJECT_DIR / "benchmarks" / "SPARK.md")
    args = parser.parse_args(argv)
    variables = json.loads(args.vars)

    args.data_dir.mkdir(parents=True, exist_ok=True)
    machine = machine_description()
    data = generated_input(args.rows, args.seed, args.format, args.data_dir)
    work = args.data_dir / f"spark_run_{args.rows}_{args.format}"
    results = {
        engine: build(engine, data, args.format, work, variables)
        for engine in ("duck", "spark_local")
    }
    ari, n_customers = labels_agreement(work)

    lines = [
        "| engine | wall (s) | CPU, without the JVM (s) | peak RSS, process tree (MiB) |",
        "|---|---|---|---|",
    ]
    for engine, measurement in results.items():
        lines.append(
            f"| {engine} | {measurement.wall_seconds:.1f} | {measurement.cpu_seconds:.1f} "
            f"| {measurement.peak_rss_bytes / MIB:,.0f} |"
        )
    slower = results["spark_local"].wall_seconds / results["duck"].wall_seconds
    lines.append(
        f"\nLabels: ARI {ari:.6f} between the engines over {n_customers:,} customers; "
        f"Spark / DuckDB wall {slower:.1f}x."
    )
    table = "\n".join(lines)
    print(table)

    settings = {
        "SEGMENTATION_THREADS": os.environ.get("SEGMENTATION_THREADS", str(os.cpu_count())),
        "SEGMENTATION_SPARK_DRIVER_MEMORY": os.environ.get(
            "SEGMENTATION_SPARK_DRIVER_MEMORY", "1g"
        ),
        "SEGMENTATION_SPARK_CONF": os.environ.get("SEGMENTATION_SPARK_CONF", ""),
        "vars": variables or "defaults",
    }
    append_results(
        args.results, f"{args.rows:,} rows, {args.format}", machine, settings, table, PROJECT_DIR
    )


if __name__ == "__main__":
    main()
