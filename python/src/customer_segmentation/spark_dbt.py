"""`segmentation-spark-dbt`: run dbt on an in-process Spark (dbt-spark's `session` method).

dbt-spark runs SQL models on the session method but refuses Python models there ("submission
method session is not supported"): its Python helpers only know Databricks clusters. This thin
launcher

1. starts (or, under ``spark-submit``, picks up) the SparkSession, with a local warehouse and
   Derby metastore under ``SEGMENTATION_SPARK_DIR`` (default ``target/spark``) so tables and
   incremental models survive between invocations, and
2. registers a ``session`` submission helper that executes the compiled Python model on that
   same SparkSession, then
3. invokes dbt in this process through ``dbtRunner`` with the command line it was given.

Usage: ``segmentation-spark-dbt build --target spark_local`` (any dbt arguments), or
``spark-submit --master 'local[*]' <path of this file> build --target spark_local``. Needs the
``spark`` extra (requirements-spark.txt: dbt-spark[session], pyspark).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

SUBMISSION_METHOD = "session"


def spark_dir() -> Path:
    """Where the local warehouse (table files) and the Derby metastore live."""
    return Path(os.environ.get("SEGMENTATION_SPARK_DIR", "target/spark")).resolve()


def session_config(directory: Path) -> dict[str, str]:
    """Spark settings of the local session: small shuffles, a persistent local catalog.

    ``spark.sql.shuffle.partitions`` is the number of cores (Spark's 200 is made for clusters and
    costs seconds per shuffle on small data). The session time zone is UTC, as DuckDB's.
    """
    cores = os.cpu_count() or 2
    derby = directory / "metastore_db"
    return {
        "spark.sql.warehouse.dir": str(directory / "warehouse"),
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={derby};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={directory}",
        "spark.sql.shuffle.partitions": os.environ.get("SEGMENTATION_SPARK_PARTITIONS", str(cores)),
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.memory": os.environ.get("SEGMENTATION_SPARK_DRIVER_MEMORY", "1g"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.legacy.createHiveTableByDefault": "false",
    }


def get_session() -> Any:
    """The active SparkSession (spark-submit made one) or a new local one with our settings."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    directory = spark_dir()
    directory.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("segmentation-dbt")
    # Under spark-submit the JVM started this process (and its --master wins); otherwise the
    # settings below reach the JVM when getOrCreate launches it (driver memory included).
    if "PYSPARK_GATEWAY_PORT" not in os.environ:
        builder = builder.master(os.environ.get("SEGMENTATION_SPARK_MASTER", "local[*]"))
    settings = session_config(directory)
    # extra settings: SEGMENTATION_SPARK_CONF="key=value,key=value"
    for item in filter(None, os.environ.get("SEGMENTATION_SPARK_CONF", "").split(",")):
        key, _, value = item.partition("=")
        settings[key.strip()] = value.strip()
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.enableHiveSupport().getOrCreate()
    session.sparkContext.setLogLevel(os.environ.get("SEGMENTATION_SPARK_LOG_LEVEL", "ERROR"))
    return session


def register_session_submission() -> None:
    """Teach dbt-spark to run Python models on the in-process SparkSession.

    The compiled model (the model file plus dbt's generated ``dbtObj`` and write code) is
    executed with ``spark`` bound to the active session, which is what a Databricks notebook
    gives it. The helper becomes the default submission method of the adapter.
    """
    from dbt.adapters.base.impl import PythonJobHelper
    from dbt.adapters.spark.impl import SparkAdapter

    class SessionPythonJobHelper(PythonJobHelper):
        def __init__(self, parsed_model: dict[str, Any], credentials: Any) -> None:
            self.parsed_model = parsed_model
            self.credentials = credentials

        def submit(self, compiled_code: str) -> None:
            namespace: dict[str, Any] = {"spark": get_session(), "__name__": "dbt_python_model"}
            name = self.parsed_model.get("alias", "python_model")
            exec(compile(compiled_code, f"<dbt python model {name}>", "exec"), namespace)

    helpers = dict(SparkAdapter.python_submission_helpers.fget(None))  # type: ignore[attr-defined]
    helpers[SUBMISSION_METHOD] = SessionPythonJobHelper
    SparkAdapter.python_submission_helpers = property(lambda self: helpers)  # type: ignore[assignment]
    SparkAdapter.default_python_submission_method = property(  # type: ignore[assignment]
        lambda self: SUBMISSION_METHOD
    )


def run(args: list[str]) -> int:
    """Start Spark, register the helper and run dbt with ``args``; dbt's exit code."""
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("SEGMENTATION_TARGET", "spark_local")
    os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
    # relative input paths are relative to here (macros/cross_db/create_source_tables.sql)
    os.environ.setdefault("SEGMENTATION_WORKING_DIR", os.getcwd())
    # pyspark logs every failed query with its JVM stack trace; dbt reports the error itself.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    get_session()
    register_session_submission()
    result = dbtRunner().invoke(args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        print(f"dbt failed: {result.exception}", file=sys.stderr)
        return 2
    return 0 if result.success else 1


def main() -> None:
    raise SystemExit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
