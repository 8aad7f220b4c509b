"""The BI and analyst surface (issue 7): scoring in SQL, Parquet exports read while dbt builds,
SQLAlchemy (duckdb-engine) reads, MetricFlow metrics and the HTML report in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlalchemy

from customer_segmentation.report import write_report
from customer_segmentation.schema import CC_GENERAL_FEATURES, sql_name

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")
MF = Path(sys.executable).with_name("mf")
FEATURES = [sql_name(c) for c in CC_GENERAL_FEATURES]
MARTS = ["customer_segments", "segment_profiles", "segment_personas"]


def documented_sql_blocks() -> list[str]:
    """Every ```sql block of README.md, then of docs/**/*.md (the documented-commands order)."""
    pages = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").rglob("*.md"))]
    return [
        block for page in pages for block in re.findall(r"```sql\n(.*?)```", page.read_text(), re.S)
    ]


def readme_sql(marker: str) -> str:
    """The first documented ```sql block (README, docs/) that contains `marker` (docs stay
    executable)."""
    matching = [block for block in documented_sql_blocks() if marker in block]
    assert matching, f"no sql block of README.md or docs/ contains {marker!r}"
    return matching[0]


# --- scoring in SQL ----------------------------------------------------------------------------


def test_stored_macro_scores_the_training_rows_exactly(cc_general_build, cc_general_csv) -> None:
    """`segment_customers('t')` in the database (no dbt, no Python) on the raw CSV rows gives
    the labels, names, distances and PCA coordinates of customer_segments."""
    with duckdb.connect(str(cc_general_build.database), read_only=True) as con:
        con.execute(
            "create temp table new_customers as select * rename (CUST_ID as customer_id)"
            f" from read_csv('{cc_general_csv}', all_varchar = true)"
        )
        scored = con.sql("select * from segment_customers('new_customers')").df()
    expected = cc_general_build.table("customer_segments")
    assert len(scored) == len(expected) == 8950
    merged = expected.merge(scored, on="customer_id", suffixes=("", "_sql"), validate="1:1")
    assert (merged["segment_id"] == merged["segment_id_sql"]).all()
    assert (merged["segment_name"] == merged["segment_name_sql"]).all()
    assert (merged["n_imputed_values"] == merged["n_imputed_values_sql"]).all()
    for column in ["distance_to_centroid", "pc1", "pc2", *FEATURES]:
        np.testing.assert_allclose(merged[column], merged[f"{column}_sql"], rtol=1e-12)


def test_assign_segment_macro_scores_the_training_rows_exactly(cc_general_build) -> None:
    """`{{ assign_segment(ref(...)) }}` as a model would use it, on the staged (un-imputed) rows."""
    compiled = cc_general_build.dbt(
        ["compile", "--quiet", "--inline", "{{ assign_segment(ref('stg_cc_general__customers')) }}"]
    ).output
    assert "select * from assign_segment__final" in compiled
    scored = cc_general_build.query(compiled)
    expected = cc_general_build.table("customer_segments")
    merged = expected.merge(scored, on="customer_id", suffixes=("", "_sql"), validate="1:1")
    assert len(merged) == 8950
    assert (merged["segment_id"] == merged["segment_id_sql"]).all()
    assert (merged["segment_name"] == merged["segment_name_sql"]).all()
    np.testing.assert_allclose(
        merged["distance_to_centroid"], merged["distance_to_centroid_sql"], rtol=1e-12
    )


def test_assign_segment_names_missing_columns(sample_build) -> None:
    build = sample_build.dbt(
        ["compile", "--inline", "{{ assign_segment(ref('int_feature_scaling_parameters')) }}"],
        check=False,
    )
    assert build.returncode != 0
    assert "assign_segment: relation" in build.output
    assert "lacks the column(s) customer_id, balance, balance_frequency" in build.output


def test_readme_statement_scores_a_new_customer(sample_build) -> None:
    """The one-statement example of docs/bi-and-scoring.md, checked against NumPy on the
    parameter tables."""
    statement = readme_sql("segment_customers(")
    with duckdb.connect(str(sample_build.database), read_only=True) as con:
        result = con.sql(statement).df()
        new = con.sql(statement.split("select segment_id")[0] + "select * from new_customer").df()
    assert len(result) == 1
    params = sample_build.query(
        "select * from intermediate.int_feature_scaling_parameters"
    ).set_index("feature_name")
    fill = sample_build.query("select * from intermediate.int_feature_imputation_values").set_index(
        "feature_name"
    )
    centroids = sample_build.query("select * from ml.ml_kmeans_centroids").pivot(
        index="segment_id", columns="feature_name", values="centroid_value"
    )[FEATURES]
    x = np.array(
        [
            float(new.loc[0, f]) if pd.notna(new.loc[0, f]) else fill.loc[f, "imputation_value"]
            for f in FEATURES
        ]
    )
    z = (x - params.loc[FEATURES, "feature_mean"].to_numpy()) / params.loc[
        FEATURES, "feature_scale"
    ].to_numpy()
    distances = np.sqrt(((centroids.to_numpy() - z) ** 2).sum(axis=1))
    assert result.loc[0, "segment_id"] == centroids.index[distances.argmin()]
    assert result.loc[0, "distance_to_centroid"] == pytest.approx(distances.min(), rel=1e-12)
    names = sample_build.table("segment_personas").set_index("segment_id")["segment_name"]
    assert result.loc[0, "segment_name"] == names[result.loc[0, "segment_id"]]


# --- DuckDB 1.x clients ------------------------------------------------------------------------

#: The client line people have besides 2.0: the 1.5 CLI, JDBC / DBeaver 1.x, `pip install duckdb<2`.
DUCKDB_1X = "duckdb<2"

READ_1X = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
results = {}
for name, sql in json.loads(sys.stdin.read()).items():
    try:
        results[name] = [[str(value) for value in row] for row in con.sql(sql).fetchall()]
    except duckdb.Error as error:
        results[name] = "error: " + str(error).splitlines()[0]
print(json.dumps({"version": duckdb.__version__, "results": results}))
"""


@pytest.fixture(scope="module")
def duckdb_1x_python() -> Path:
    """A throw-away venv with the DuckDB 1.x Python package, cached under target/ (keyed by the
    requirement, so a new pin makes a new venv)."""
    venv = PROJECT_DIR / "target" / "venv-duckdb-lt-2"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.is_file():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                DUCKDB_1X,
            ],
            check=True,
        )
        marker.write_text(DUCKDB_1X)
    return python


def readme_queries() -> dict[str, str]:
    """Every documented ```sql block (README, docs/) that queries the warehouse (not dbt Jinja,
    not DDL)."""
    blocks = documented_sql_blocks()
    return {
        f"block {number}": block
        for number, block in enumerate(blocks)
        if "{{" not in block and "create " not in block
    }


def test_duckdb_1x_client_runs_the_readme_queries(sample_build, duckdb_1x_python) -> None:
    """The warehouse is written in a format DuckDB 1.x reads: the 1.x package opens it
    read-only and every documented query gives the same rows as DuckDB 2.0 (queries on marts the
    sample does not build, e.g. ledger-only ones, fail on both and are left out)."""
    queries = readme_queries()
    expected = {}
    with duckdb.connect(str(sample_build.database), read_only=True) as con:
        for name, sql in queries.items():
            try:
                expected[name] = [[str(value) for value in row] for row in con.sql(sql).fetchall()]
            except duckdb.Error:
                continue
    result = subprocess.run(
        [str(duckdb_1x_python), "-c", READ_1X, str(sample_build.database)],
        input=json.dumps({name: queries[name] for name in expected}),
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(result.stdout)
    print(f"DuckDB {answer['version']} ran {len(expected)} documented queries")
    assert answer["version"].startswith("1.")
    assert len(expected) >= 15
    assert any("segment_customers(" in queries[name] for name in expected)
    # rows compared as sorted lists: a query without `order by` has no defined row order
    assert {name: sorted(rows) for name, rows in answer["results"].items()} == {
        name: sorted(rows) for name, rows in expected.items()
    }


# --- Parquet exports ---------------------------------------------------------------------------


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as Python objects, missing as None (pandas reads an all-null Parquet string column
    as NaN, DuckDB's own frame as None)."""
    return frame.astype(object).where(frame.notna(), None)


def test_exports_hold_every_published_table(sample_build) -> None:
    """Every table of `main` as Parquet, equal to the table plus the run stamp, listed in the
    manifest with its row count; no staging leftovers."""
    manifest = pd.read_csv(sample_build.exports / "manifest.csv").set_index("file_name")
    published = sample_build.query(
        "select table_name from information_schema.tables where table_schema = 'main'"
    )["table_name"]
    run = sample_build.table("segmentation_run").iloc[0]
    assert set(MARTS) | {"k_selection", "cluster_quality", "quarantine"} <= set(published)
    folders = {p.name for p in sample_build.exports.iterdir() if p.is_dir()}
    assert folders == {"audiences", "customer_segment_memberships", "segment_audience_changes"}
    for mart in published:
        table = comparable(sample_build.table(mart))
        if mart in folders:  # one file per run, named by the run; the manifest lists each
            files = sorted((sample_build.exports / mart).iterdir())
            assert sorted(manifest.index[manifest.index.str.startswith(f"{mart}/")]) == [
                f"{mart}/{path.name}" for path in files
            ]
            for path in files:
                runs = pd.read_parquet(path, columns=["run_id"])["run_id"]
                assert set(runs) == {path.stem}
                assert manifest.loc[f"{mart}/{path.name}", "n_rows"] == len(runs)
            exported = comparable(pd.concat(map(pd.read_parquet, files), ignore_index=True))
            assert not (sample_build.exports / f"{mart}.parquet").exists()
        else:
            exported = comparable(pd.read_parquet(sample_build.exports / f"{mart}.parquet"))
            assert manifest.loc[f"{mart}.parquet", "n_rows"] == len(table)
        assert len(exported) == len(table)
        stamps = ["published_run_id", "published_run_at", "published_input_fingerprint"]
        assert list(exported.columns) == [*table.columns, *stamps]
        assert set(exported["published_run_id"]) <= {run["run_id"]}
        assert set(exported["published_input_fingerprint"]) <= {run["input_fingerprint"]}
        key = list(table.columns)
        pd.testing.assert_frame_equal(
            exported[key].sort_values(key, ignore_index=True),
            table.sort_values(key, ignore_index=True),
            check_dtype=False,
        )
    assert not [p for p in sample_build.exports.iterdir() if p.name.startswith(".")]


def test_exports_read_through_sqlalchemy_duckdb_engine(sample_build) -> None:
    """As Superset / Metabase-style tools do: a duckdb-engine SQLAlchemy URL, views over the
    Parquet files, plain SQL."""
    engine = sqlalchemy.create_engine("duckdb:///:memory:")
    with engine.connect() as connection:
        for mart in MARTS:
            path = (sample_build.exports / f"{mart}.parquet").as_posix()
            connection.execute(
                sqlalchemy.text(f"create view {mart} as select * from read_parquet('{path}')")
            )
        sizes = pd.read_sql(
            sqlalchemy.text(
                "select segment_name, count(*) as n_customers, avg(balance) as average_balance"
                " from customer_segments group by segment_name order by segment_name"
            ),
            connection,
        )
        inspector = sqlalchemy.inspect(connection)
        assert set(MARTS) <= set(inspector.get_view_names())
    segments = sample_build.table("customer_segments")
    expected = (
        segments.groupby("segment_name")
        .agg(n_customers=("customer_id", "size"), average_balance=("balance", "mean"))
        .reset_index()
        .sort_values("segment_name", ignore_index=True)
    )
    assert sizes["segment_name"].tolist() == expected["segment_name"].tolist()
    assert sizes["n_customers"].tolist() == expected["n_customers"].tolist()
    np.testing.assert_allclose(sizes["average_balance"], expected["average_balance"], rtol=1e-12)


def test_exports_are_readable_while_a_build_rewrites_them(sample_build, tmp_path: Path) -> None:
    """Read every export in a loop while `dbt run` rebuilds and publishes: every read is a
    complete file with the right row count, and the files were replaced during the loop."""
    database = tmp_path / "segmentation.duckdb"
    shutil.copy(sample_build.database, database)
    exports = tmp_path / "exports"
    shutil.copytree(sample_build.exports, exports)
    expected_rows = {mart: pq.read_metadata(exports / f"{mart}.parquet").num_rows for mart in MARTS}
    env = {
        **os.environ,
        "SEGMENTATION_DB": str(database),
        "SEGMENTATION_EXPORTS_DIR": str(exports),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "0",
    }
    command = [str(DBT), "run", "--target-path", str(tmp_path / "t")]
    command += ["--log-path", str(tmp_path)]
    inodes: dict[str, set[int]] = {mart: set() for mart in MARTS}
    n_reads = 0

    def read_every_export() -> None:
        nonlocal n_reads
        for mart in MARTS:
            path = exports / f"{mart}.parquet"
            with open(path, "rb") as handle:
                inodes[mart].add(os.fstat(handle.fileno()).st_ino)
                table = pq.read_table(handle)
            assert table.num_rows == expected_rows[mart], mart
            n_reads += 1

    log = tmp_path / "run.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 1200
        while process.poll() is None and time.monotonic() < deadline:
            read_every_export()
            # a reader's pace, not a spin: the build (and the other pytest worker) keep the
            # cores; the exports are replaced within one publish, seconds after they are staged
            time.sleep(0.05)
        process.wait(timeout=60)
    assert process.returncode == 0, log.read_text()[-3000:]
    read_every_export()  # and once after the build ended
    print(f"{n_reads} complete reads while a build rewrote the exports")
    assert n_reads > 30
    # the files were replaced under the readers (the loop overlapped the writes)
    for mart in MARTS:
        assert len(inodes[mart]) >= 2, (mart, inodes[mart])


# --- MetricFlow --------------------------------------------------------------------------------


def test_mf_query_answers_metrics_by_segment(sample_build, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SEGMENTATION_DB": str(sample_build.database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "0",
    }
    # MetricFlow reads target/semantic_manifest.json of the project directory
    subprocess.run([str(DBT), "parse", "--quiet"], cwd=PROJECT_DIR, env=env, check=True)
    out = tmp_path / "metrics.csv"
    metrics = "customers,share_of_customers,average_balance,average_purchases,cash_advance_share"
    command = [str(MF), "query", "--metrics", metrics, "--group-by", "segment__segment_name"]
    result = subprocess.run(
        [*command, "--csv", str(out)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and out.is_file(), result.stdout + result.stderr
    answer = pd.read_csv(out).set_index("segment__segment_name").sort_index()
    segments = sample_build.table("customer_segments")
    expected = segments.groupby("segment_name").agg(
        customers=("customer_id", "size"),
        average_balance=("balance", "mean"),
        average_purchases=("purchases", "mean"),
        cash_advance_share=("cash_advance", lambda values: (values > 0).mean()),
    )
    expected["share_of_customers"] = expected["customers"] / len(segments)
    expected = expected.sort_index()
    assert answer.index.tolist() == expected.index.tolist()
    assert answer["customers"].tolist() == expected["customers"].tolist()
    for column in ["share_of_customers", "average_balance", "average_purchases"]:
        np.testing.assert_allclose(answer[column], expected[column], rtol=1e-9)
    np.testing.assert_allclose(answer["cash_advance_share"], expected["cash_advance_share"])


# --- HTML report in headless Chromium ------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "chromium not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; required when CI=true (.ci/run installs it)")
        pytest.skip(message)
    return path


def open_in_chromium(chromium: str, page: Path, screenshot: Path | None = None) -> tuple[str, str]:
    """Load the page in headless Chromium; return (DOM after scripts ran, console lines)."""
    common = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    common += ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000"]
    common += ["--window-size=1280,2200", f"--user-data-dir={page.parent / 'chromium-profile'}"]
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    if screenshot is not None:
        subprocess.run(
            [*common, f"--screenshot={screenshot}", page.as_uri()],
            capture_output=True,
            timeout=120,
            check=True,
        )
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    return dom.stdout, "\n".join(console)


def chart_marks(dom: str) -> dict[str, str]:
    pattern = r'<figure class="chart[^"]*" id="(chart-[a-z]+)" data-marks="([^"]*)"'
    return dict(re.findall(pattern, dom))


def add_k_selection(database: Path) -> pd.DataFrame:
    """A k_selection table with the columns of the k-sweep mart (issue 3), in place of the
    published view (decision 019: main holds views over the held tables)."""
    with duckdb.connect(str(database)) as con:
        published = con.execute(
            "select table_type from information_schema.tables"
            " where table_schema = 'main' and table_name = 'k_selection'"
        ).fetchall()
        if published and published[0][0] == "VIEW":
            con.execute("drop view k_selection")
        con.execute(
            "create or replace table k_selection as select cast(k as bigint) as k,"
            " 5000.0 / k as wcss, 0.2 + 0.01 * k as silhouette, 1.5 as davies_bouldin,"
            " 900.0 as calinski_harabasz, cast(1000 as bigint) as silhouette_sample_size,"
            " k = 4 as is_chosen from range(2, 11) as r(k)"
        )
        return con.sql("select * from k_selection").df()


def test_report_renders_every_chart_in_chromium(sample_build, chromium, tmp_path: Path) -> None:
    database = tmp_path / "with_k.duckdb"
    shutil.copy(sample_build.database, database)
    k_selection = add_k_selection(database)
    page = write_report(database, tmp_path / "report.html", max_points=2000)
    started = time.monotonic()
    dom, console = open_in_chromium(chromium, page, screenshot=tmp_path / "report.png")
    print(f"chromium: loaded, rendered and screenshotted in {time.monotonic() - started:.1f} s")
    assert console == "", f"console output (errors) while loading the report:\n{console}"
    assert 'data-rendered="true"' in dom
    n_segments = len(sample_build.table("segment_personas"))
    assert chart_marks(dom) == {
        "chart-elbow": str(len(k_selection)),
        "chart-silhouette": str(len(k_selection)),
        "chart-sizes": str(n_segments),
        "chart-scatter": "2000",
        "chart-heatmap": str(len(sample_build.table("segment_profiles"))),
    }
    assert dom.count('class="card"') == n_segments
    assert 'data-layout-problems="0"' in dom  # nothing clipped, overlapping or overflowing
    assert (tmp_path / "report.png").stat().st_size > 20_000


def test_report_from_the_build_as_is(sample_build, chromium, tmp_path: Path) -> None:
    """Straight from the build: all six charts, from the build's own k_selection."""
    page = write_report(sample_build.database, tmp_path / "report.html")
    dom, console = open_in_chromium(chromium, page)
    assert console == ""
    marks = chart_marks(dom)
    # the build makes k_selection, so every chart is drawn (the "not built" fallback is covered
    # by python/tests/test_report.py)
    assert "k_selection" in set(sample_build.query("show tables")["name"])
    assert "k_selection not built" not in dom
    assert len(marks) == 6  # elbow, silhouette, stability, sizes, scatter, heatmap
    assert all(value.isdigit() and int(value) > 0 for value in marks.values()), marks
    assert 'data-layout-problems="0"' in dom
    # plain language: quality words on the cards, named PCA axes, no "pooled sd"
    assert dom.count('class="badge"') == len(sample_build.table("segment_personas"))
    assert "pooled sd" not in dom and "PC1 (" in dom


def test_the_layout_check_catches_clipped_and_overlapping_labels(
    sample_build, chromium, tmp_path: Path
) -> None:
    """Control: labels pushed out of their chart or onto each other are reported."""
    page = write_report(sample_build.database, tmp_path / "report.html")
    broken = page.read_text(encoding="utf-8").replace(
        '<section class="cards">',
        '<figure class="chart"><svg width="120" height="40"><text x="100" y="20">clipped'
        '</text><text x="5" y="30">one</text><text x="8" y="31">two</text>'
        '<text x="5" y="12">-0.0</text></svg></figure><section class="cards">',
    )
    page.write_text(broken, encoding="utf-8")
    dom, console = open_in_chromium(chromium, page)
    assert 'data-layout-problems="3"' in dom, console
    for problem in ("report layout: clipped:", "report layout: overlap:", "negative zero:"):
        assert problem in console, console


def test_the_chromium_check_catches_a_broken_page(chromium, tmp_path: Path) -> None:
    """Control: a script error shows up in the console lines the report tests check."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    _, console = open_in_chromium(chromium, page)
    assert "undefinedFunction is not defined" in console


# --- dbt docs ----------------------------------------------------------------------------------


def test_docs_generate_lists_the_exposures_and_metrics(sample_build) -> None:
    sample_build.dbt(["docs", "generate"])
    target = sample_build.database.parent / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert set(exposures) == {"segment_report", "segment_dashboard"}
    assert (
        "model.segmentation.customer_segments" in exposures["segment_report"]["depends_on"]["nodes"]
    )
    metrics = {m["name"] for m in manifest["metrics"].values()}
    assert {"customers", "share_of_customers", "average_balance", "cash_advance_share"} <= metrics
    for mart in [*MARTS, "segmentation_run", "metricflow_time_spine"]:
        assert f"model.segmentation.{mart}" in catalog["nodes"]
