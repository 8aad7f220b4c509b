"""Models stay portable: no DuckDB-only construct directly in models/, snapshots/, tests/dbt/.

Engine differences belong in macros/cross_db/ (adapter.dispatch with duckdb__ / spark__ /
default__ versions). This scan fails with file and line when a model uses one of the constructs
below directly; `make test-spark` then proves the portable SQL on a real Spark.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCANNED = ["models", "snapshots", "tests/dbt"]

# pattern -> what to use instead
DUCKDB_ONLY = {
    r"::": "cast(x as type)",
    r"\bqualify\b": "a row_number() CTE and a where",
    r"\barg_?(max|min)\s*\(": "a cross_db macro (max_by / min_by on Spark)",
    r"\blist\s*\(": "a cross_db macro (collect_list / array_agg on Spark)",
    r"\blist_\w+\s*\(": "a cross_db macro",
    r"\bquantile(_cont|_disc)?\s*\(": "the quantile / median macros",
    r"\bmedian\s*\(": "the median macro",
    r"\bread_(csv|csv_auto|parquet|json|blob|text)\s*\(": "a source (create_source_tables)",
    r"\bglob\s*\(": "count_matching_files",
    r"\bcreate\s+(or\s+replace\s+)?(temp\s+)?macro\b": "a dbt macro (create_segment_macros)",
    r"\bstring_agg\s*\(": "string_agg_ordered",
    r"\bstruct_pack\s*\(": "named_struct on Spark, via a cross_db macro",
    r"\bisfinite\s*\(": "is_not_finite",
    r"\bdate_diff\s*\(": "days_between",
    r"\bto_days\s*\(": "add_days",
    r"\bstrf?p?time\s*\(": "date_format / a cross_db macro",
    r"\bregexp_matches\s*\(": "rlike / a cross_db macro",
    r"\berror\s*\(": "raise_error",
    r"\bvarchar\b": "string (Spark 4 needs a length for varchar)",
    r"\*\s*1\.0\b": "cast(x as double) (1.0 is a DECIMAL on Spark)",
}

# comments, and Jinja (a call like `{{ quantile(...) }}` is the portable macro, not SQL)
COMMENT = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}|--[^\n]*", re.DOTALL)


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for folder in SCANNED:
        files += sorted((PROJECT_DIR / folder).rglob("*.sql"))
    return files


def findings(text: str) -> list[tuple[int, str, str]]:
    """(line, construct, advice) of every DuckDB-only construct outside comments."""
    found = []
    # blank out comments and Jinja but keep line numbers
    code = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for number, line in enumerate(code.splitlines(), start=1):
        for pattern, advice in DUCKDB_ONLY.items():
            match = re.search(pattern, line, flags=re.IGNORECASE)
            if match:
                found.append((number, match.group(0), advice))
    return found


def test_the_scan_sees_each_construct_and_ignores_comments() -> None:
    sql = (
        "select x::double, arg_max(a, b), list(a), quantile_cont(a, 0.5)\n"
        "from read_csv('f.csv') qualify row_number() over () = 1\n"
        "-- a comment may say qualify or ::\n"
        "{# so may jinja: read_parquet( #} {{ quantile('x', 0.5) }}\n"
        "select cast(n as varchar), n * 1.0\n"
    )
    lines = [line for line, _, _ in findings(sql)]
    assert lines.count(1) == 4 and lines.count(2) == 2 and lines.count(5) == 2
    assert 3 not in lines and 4 not in lines


@pytest.mark.parametrize("path", scanned_files(), ids=lambda p: str(p.relative_to(PROJECT_DIR)))
def test_no_duckdb_only_construct(path: Path) -> None:
    problems = findings(path.read_text())
    assert not problems, "\n".join(
        f"{path.relative_to(PROJECT_DIR)}:{line}: {construct!r} is DuckDB-only; use {advice}"
        for line, construct, advice in problems
    )


def test_unit_test_fixtures_are_portable() -> None:
    """SQL fixtures in YAML unit tests run on every engine too."""
    problems = []
    for path in sorted((PROJECT_DIR / "models").rglob("*.yml")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\bas varchar\)|::", line, flags=re.IGNORECASE):
                problems.append(f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}")
    assert not problems, "\n".join(problems)
