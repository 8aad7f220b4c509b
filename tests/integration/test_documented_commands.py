"""Every shell and SQL block of README.md and docs/**/*.md runs as written (issue 16).

The blocks run in a fresh copy of the project (the git-tracked files; `../shared` linked beside
it, the installed `.venv` linked in), one bash process per document in document order, with no
extra flags: what a new user types. README.md runs first; each docs/ page then runs in its own
bash process in the same copy, i.e. after the README, as a reader who did the quick start.

The README's sections that build a warehouse of their own (from an `export SEGMENTATION_DB=`
block to the next one; `doc_blocks.split_chapters`) run in copies of their own, so the
README's builds are spread over the pytest workers (each class is one xdist scope): the
main sequence (`TestReadme`) and the side chapters (`TestReadmeChapters`, with the docs pages
that read a side chapter's warehouse). No build is added: each block still runs once.
Markers (`<!-- doc-test: skip reason="..." -->`, `spark`, `database=...`, `check-output`) are
described in tests/integration/doc_blocks.py and docs/testing.md.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
from pathlib import Path

import duckdb
import pytest

_SPEC = importlib.util.spec_from_file_location(
    "doc_blocks", Path(__file__).with_name("doc_blocks.py")
)
assert _SPEC is not None and _SPEC.loader is not None
doc_blocks = importlib.util.module_from_spec(_SPEC)
sys.modules["doc_blocks"] = doc_blocks
_SPEC.loader.exec_module(doc_blocks)

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHARED_DIR = PROJECT_DIR.parent / "shared"
DOCUMENTS = doc_blocks.documents(PROJECT_DIR)
BLOCKS = {page: doc_blocks.extract_blocks(page, PROJECT_DIR) for page in DOCUMENTS}
README_MAIN, README_CHAPTERS = doc_blocks.split_chapters(BLOCKS[DOCUMENTS[0]])


def _chapter_of(page: Path) -> int | None:
    """The side chapter whose warehouse a docs page exports (it runs after that chapter)."""
    database = doc_blocks.exported_database(BLOCKS[page])
    if database is None:
        return None
    return next(
        (i for i, chapter in enumerate(README_CHAPTERS) if chapter.mentions(database)), None
    )


RUNNABLE_PAGES = [
    page for page in DOCUMENTS[1:] if any(block.mode == "run" for block in BLOCKS[page])
]
#: Parts of docs pages that build every warehouse they read (a whole page, or a section from
#: one `export SEGMENTATION_DB=` to the next) run in fresh copies of their own, each its own
#: xdist scope (a `TestStandalone_<page>` class below), beside the README's sequence; the
#: rest of each page runs after the README.
STANDALONE = {
    page: doc_blocks.standalone_parts(BLOCKS[page], BLOCKS[DOCUMENTS[0]])
    for page in RUNNABLE_PAGES
    if _chapter_of(page) is None
}


def _after_readme(page: Path) -> list:
    """The blocks of `page` that run after the README (all but its standalone parts)."""
    apart = {id(block) for part in STANDALONE.get(page, []) for block in part}
    return [block for block in BLOCKS[page] if id(block) not in apart]


DOCS_PAGES = [
    pytest.param(page, id=page.relative_to(PROJECT_DIR).as_posix())
    for page in RUNNABLE_PAGES
    if _chapter_of(page) is None and any(block.mode == "run" for block in _after_readme(page))
] or [pytest.param(None, marks=pytest.mark.skip(reason="no docs/ page has a runnable block"))]
CHAPTERS = [
    pytest.param(i, id=f"line-{chapter.blocks[0].line}-{chapter.database}")
    for i, chapter in enumerate(README_CHAPTERS)
] or [pytest.param(None, marks=pytest.mark.skip(reason="the README has no side chapter"))]


def _shared_dir() -> Path:
    """The real ../shared (the CC GENERAL file the docs name): fail under CI=true if missing."""
    data = SHARED_DIR / "data" / "cc_general.csv"
    if not data.is_file():
        message = f"{data} not found: the documented commands read ../shared/data/cc_general.csv"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required when CI=true)")
        pytest.skip(message)
    return SHARED_DIR


def _copy(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    shared = _shared_dir()
    return doc_blocks.copy_project(PROJECT_DIR, tmp_path_factory.mktemp(name), shared)


def _run_document(page: Path, project: Path, modes: frozenset[str]) -> list:
    return _run_blocks(BLOCKS[page], page, project, modes)


def _run_blocks(
    blocks: list | tuple, page: Path, project: Path, modes: frozenset[str] = frozenset({"run"})
) -> list:
    work = project.parent / "doc-test" / page.relative_to(PROJECT_DIR).as_posix().replace("/", "_")
    if blocks and blocks[0].line > 1:
        work = work.with_name(f"{work.name}-{blocks[0].line}")
    return doc_blocks.run_blocks(
        list(blocks), project, work, doc_blocks.user_environment(), run_modes=modes
    )


def _assert_all_passed(results: list, title: str, seconds: float) -> None:
    report = doc_blocks.summary(results, f"{title} ({seconds:.0f} s wall)")
    print(report)
    failures = doc_blocks.failure_report(results)
    if failures:
        pytest.fail(f"{report}\n\nFAILED BLOCKS\n{failures}", pytrace=False)


@pytest.fixture(scope="module")
def doc_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the project for the DuckDB blocks of every document."""
    return _copy(tmp_path_factory, "doc-test")


@pytest.fixture(scope="module")
def readme_results(doc_project: Path) -> tuple[list, float]:
    """README.md's blocks run in order (the docs pages run after it, in the same copy)."""
    started = time.monotonic()
    results = _run_blocks(README_MAIN, DOCUMENTS[0], doc_project)
    return results, time.monotonic() - started


# --- the documents themselves -------------------------------------------------------------------


def test_documents_are_well_formed_and_counted() -> None:
    """Every block of every document parses, markers are valid, skipped blocks say why, and no
    runnable block holds a placeholder instead of a command."""
    lines = []
    for page, blocks in BLOCKS.items():
        if not blocks:
            continue
        counts = {
            f"{kind} {mode}": sum(1 for b in blocks if b.kind == kind and b.mode == mode)
            for kind in ("shell", "sql")
            for mode in ("run", "skip", "spark")
        }
        lines.append(f"{page.relative_to(PROJECT_DIR)}: {counts}")
        for block in blocks:
            if block.mode == "skip":
                lines.append(f"  skipped {block.where}: {block.options['reason']}")
            if block.mode != "skip":
                for placeholder in ("path/to/", "[--", "<your", "..."):
                    assert placeholder not in block.text, (
                        f"{block.where}: {placeholder!r} does not run as written; write a real "
                        "command (generate an input first) or mark the block skip with a reason"
                    )
    print("\n".join(lines))
    readme = BLOCKS[DOCUMENTS[0]]
    assert sum(block.kind == "shell" and block.mode == "run" for block in readme) >= 5
    assert sum(block.kind == "sql" and block.mode == "run" for block in readme) >= 10


def test_chapters_partition_the_readme() -> None:
    """Every README block runs exactly once: in the main sequence or in one side chapter."""
    readme = BLOCKS[DOCUMENTS[0]]
    ran = [block.line for block in README_MAIN]
    for chapter in README_CHAPTERS:
        ran += [block.line for block in chapter.blocks]
    assert sorted(ran) == [block.line for block in readme]
    # a docs page's blocks run once: after the README, or in one standalone part
    for page, parts in STANDALONE.items():
        lines = [block.line for block in _after_readme(page)]
        lines += [block.line for part in parts for block in part]
        assert sorted(lines) == [block.line for block in BLOCKS[page]], page
    assert {page.name for page, parts in STANDALONE.items() if parts} >= {"history.md"}
    # a page exporting a warehouse builds it itself, or finds the README part that built it
    for page in RUNNABLE_PAGES:
        database = doc_blocks.exported_database(BLOCKS[page])
        if database is None or _chapter_of(page) is not None:
            continue
        builds_it = any(
            block.kind == "shell" and database in block.text and "build" in block.text
            for block in BLOCKS[page]
        )
        assert builds_it or any(database in block.text for block in README_MAIN), (page, database)


class TestReadme:
    """The README's main sequence (quick start, CC GENERAL, the last chapter), then the docs
    pages, in one copy."""

    def test_readme_blocks_run_as_written(self, readme_results: tuple[list, float]) -> None:
        results, seconds = readme_results
        _assert_all_passed(results, "README.md", seconds)

    @pytest.mark.parametrize("page", DOCS_PAGES)
    def test_docs_page_blocks_run_as_written(
        self, page: Path, doc_project: Path, readme_results: tuple[list, float]
    ) -> None:
        """A docs page runs after the README (its reader has built the project), in its own
        shell."""
        started = time.monotonic()
        results = _run_blocks(_after_readme(page), page, doc_project)
        _assert_all_passed(results, str(page.relative_to(PROJECT_DIR)), time.monotonic() - started)


class TestReadmeChapters:
    """The README's side chapters, each in a fresh copy of its own, then the docs pages that
    read its warehouse (e.g. docs/ledger.md after the ledger chapter)."""

    @pytest.mark.parametrize("chapter", CHAPTERS)
    def test_chapter_blocks_run_as_written(
        self, chapter: int, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        section = README_CHAPTERS[chapter]
        project = _copy(tmp_path_factory, f"doc-test-chapter-{chapter}")
        started = time.monotonic()
        results = _run_blocks(section.blocks, DOCUMENTS[0], project)
        titles = [f"README.md from {section.name} ({time.monotonic() - started:.0f} s wall)"]
        reports = [doc_blocks.summary(results, titles[0])]
        for page in RUNNABLE_PAGES:
            if _chapter_of(page) == chapter:
                page_results = _run_document(page, project, frozenset({"run"}))
                reports.append(doc_blocks.summary(page_results, str(page.name)))
                results += page_results
        report = "\n".join(reports)
        print(report)
        failures = doc_blocks.failure_report(results)
        if failures:
            pytest.fail(
                f"{report}\n\nFAILED BLOCKS (this section runs in a fresh copy: a block that "
                f"needs a file made earlier in the README fails here)\n{failures}",
                pytrace=False,
            )


def _standalone_class(page: Path, parts: list[tuple]) -> type:
    """A test class (one xdist scope) that runs each standalone part of `page` in a fresh copy
    of the project, as a reader who opens that section first."""
    slug = re.sub(r"\W", "_", page.stem)

    def test_blocks_run_as_written(self: object, tmp_path_factory: pytest.TempPathFactory) -> None:
        results, started = [], time.monotonic()
        for number, part in enumerate(parts):
            project = _copy(tmp_path_factory, f"doc-test-{slug}-{number}")
            results += _run_blocks(part, page, project)
        _assert_all_passed(results, str(page.relative_to(PROJECT_DIR)), time.monotonic() - started)

    name = f"TestStandalone_{slug}"
    return type(name, (), {"test_blocks_run_as_written": test_blocks_run_as_written})


for _page, _parts in STANDALONE.items():
    if _parts:
        _class = _standalone_class(_page, _parts)
        globals()[_class.__name__] = _class


@pytest.mark.spark
def test_spark_blocks_run_as_written(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The `doc-test: spark` blocks, in document order, in a fresh copy (make test-spark)."""
    project = _copy(tmp_path_factory, "doc-test-spark")
    spark_pages = [page for page in DOCUMENTS if any(b.mode == "spark" for b in BLOCKS[page])]
    assert spark_pages, "no block is marked `doc-test: spark`"
    for page in spark_pages:
        started = time.monotonic()
        results = _run_document(page, project, frozenset({"spark"}))
        ran = [result for result in results if result.block.mode == "spark"]
        _assert_all_passed(
            ran, f"{page.relative_to(PROJECT_DIR)} (Spark)", time.monotonic() - started
        )


# --- the runner itself (no dbt: seconds) --------------------------------------------------------

SAMPLE_DOCUMENT = """# Example

```bash
mkdir -p sub && cd sub
export SEGMENTATION_DB=example.duckdb
python3 -c "import sys; sys.exit(0)"
```

```bash
.venv-python -c "import duckdb; duckdb.connect('example.duckdb').execute('create table t as \\
    select 1 as x, 2.25 as y union all select 2, 3.5')"
false
echo not reached > not_reached.txt
```

```bash
echo "still in $(basename "$PWD") with $SEGMENTATION_DB" > carried.txt
```

<!-- doc-test: check-output -->
```sql
select x, y from t order by x;
```

| x | y |
|---|---|
| 1 | 2.25 |
| 2 | 3.5 |

<!-- doc-test: check-output -->
```sql
select x, y from t order by x;
```

| x | y |
|---|---|
| 1 | 2.4 |
| 2 | 3.5 |

<!-- doc-test: skip reason="needs a cluster" -->
```sh
exit 1
```

<!-- doc-test: database=":memory:" -->
```sql
select 42 as answer;
select * from no_such_table;
```

<!-- doc-test: rows=2 -->
```sql
select * from t where x > 1;
```

```text
not a command
```
"""


def test_runner_keeps_state_stops_failing_blocks_and_checks_output(tmp_path: Path) -> None:
    """cd and exports carry between blocks; a failing command ends its block (set -e) and is
    reported while later blocks still run; SQL runs against $SEGMENTATION_DB as set by a block;
    check-output compares with the table after the block; skip markers are not run."""
    project = tmp_path / "project"
    project.mkdir()
    document = project / "README.md"
    python = Path(sys.executable)
    document.write_text(SAMPLE_DOCUMENT.replace(".venv-python", str(python)))
    blocks = doc_blocks.extract_blocks(document, project)
    assert [(block.kind, block.mode) for block in blocks] == [
        ("shell", "run"),
        ("shell", "run"),
        ("shell", "run"),
        ("sql", "run"),
        ("sql", "run"),
        ("shell", "skip"),
        ("sql", "run"),
        ("sql", "run"),
    ]
    assert blocks[3].expected_table == (("x", "y"), ("1", "2.25"), ("2", "3.5"))
    results = doc_blocks.run_blocks(
        blocks, project, tmp_path / "work", doc_blocks.user_environment()
    )
    statuses = [result.status for result in results]
    assert statuses == [
        *("passed", "failed", "passed", "passed", "failed", "skipped", "failed", "failed")
    ]
    assert results[1].returncode == 1
    assert not (project / "sub" / "not_reached.txt").exists()
    assert (project / "sub" / "carried.txt").read_text() == "still in sub with example.duckdb\n"
    with duckdb.connect(str(project / "sub" / "example.duckdb"), read_only=True) as connection:
        assert connection.sql("select sum(x) from t").fetchall() == [(3,)]
    assert results[3].results[-1]["rows"] == [[1, 2.25], [2, 3.5]]
    assert "row 1 y: table '2.4', query 2.25" in results[4].output
    assert results[6].results == [] and "no_such_table" in results[6].output
    assert "1 rows, the text promises 2" in results[7].output
    report = doc_blocks.summary(results, "example")
    assert "skipped" in report and "needs a cluster" in report


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("<!-- doc-test: skip -->\n```bash\nls\n```\n", "needs a reason"),
        ("<!-- doc-test: skp reason='x' -->\n```bash\nls\n```\n", "unknown doc-test marker"),
        ("<!-- doc-test: spark -->\n\nsome text\n```bash\nls\n```\n", "right before a block"),
        ("<!-- doc-test: check-output -->\n```sql\nselect 1\n```\n", "no Markdown table"),
        ("<!-- doc-test: spark -->\n```text\nls\n```\n", "not run"),
        ("<!-- doc-test: rows=some -->\n```sql\nselect 1\n```\n", "whole number"),
        ("```bash\nls\n", "unclosed code fence"),
    ],
)
def test_malformed_markers_are_errors(tmp_path: Path, markdown: str, message: str) -> None:
    (tmp_path / "page.md").write_text(markdown)
    with pytest.raises(doc_blocks.DocumentError, match=message):
        doc_blocks.extract_blocks(tmp_path / "page.md", tmp_path)


def test_indented_blocks_and_environment(tmp_path: Path) -> None:
    """A block inside a list item loses its indentation; the runner's environment drops the
    test harness's SEGMENTATION_* / CC_GENERAL_CSV / pytest variables."""
    (tmp_path / "page.md").write_text("1. Query:\n\n   ```sql\n   select 1\n     as x;\n   ```\n")
    (block,) = doc_blocks.extract_blocks(tmp_path / "page.md", tmp_path)
    assert (block.kind, block.line, block.text) == ("sql", 3, "select 1\n  as x;\n")
    environment = doc_blocks.user_environment(
        {"PATH": "/bin", "SEGMENTATION_DB": "x", "CC_GENERAL_CSV": "y", "PYTEST_XDIST_WORKER": "1"}
    )
    assert environment == {"PATH": "/bin", "DBT_SEND_ANONYMOUS_USAGE_STATS": "0"}
