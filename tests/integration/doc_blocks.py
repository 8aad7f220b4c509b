"""Run the fenced shell and SQL blocks of the README and docs/ pages exactly as written.

Used by `test_documented_commands.py` (see docs/testing.md). A document's blocks run in
document order in ONE bash process, so `cd` and exported variables carry from block to block as
they would for a user typing them; each shell block has `set -e` semantics of its own (its first
failing command ends it, the next block still runs, and the failure is reported). A SQL block
runs, from that shell, against the DuckDB file the shell state implies at that point:
`$SEGMENTATION_DB` if a block exported it, else `segmentation.duckdb` in the shell's directory.

Markers, an HTML comment on the line(s) right before a block:

    <!-- doc-test: skip reason="needs a YARN cluster" -->   not run here; counted and printed
    <!-- doc-test: spark -->                                runs only in the Spark doc test
    <!-- doc-test: database=":memory:" -->                  SQL block: run against this database
    <!-- doc-test: check-output -->                         SQL block: the Markdown table after
                                                            the block is its expected result
    <!-- doc-test: rows=1 -->                               SQL block: returns exactly 1 row

Run as a script (`python doc_blocks.py sql --database DB --out result.json block.sql`) it is
the SQL runner the generated bash driver calls.
"""

from __future__ import annotations

import argparse
import decimal
import itertools
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SHELL_LANGUAGES = frozenset({"bash", "sh", "shell"})
SQL_LANGUAGES = frozenset({"sql"})
DIRECTIVE = re.compile(r"^\s*<!--\s*doc-test:(?P<body>.*?)-->\s*$")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")
DIRECTIVE_KEYS = frozenset({"skip", "reason", "spark", "database", "check-output", "rows"})
#: Environment variables of the test process that a user following the docs would not have.
FOREIGN_ENVIRONMENT = re.compile(
    r"^(SEGMENTATION_.*|CC_GENERAL_CSV|DBT_.*|PYTEST_.*|MAKEFLAGS|MAKELEVEL|MFLAGS|"
    r"MAKEOVERRIDES|VIRTUAL_ENV|TEST_WORKERS)$"
)


class DocumentError(ValueError):
    """A malformed block or marker in a document (names the file and line)."""


@dataclass(frozen=True)
class Block:
    """One fenced shell or SQL block of a document."""

    document: str  # path relative to the project, e.g. README.md
    line: int  # 1-based line of the opening fence
    kind: str  # "shell" or "sql"
    text: str
    options: dict[str, str] = field(default_factory=dict)
    expected_table: tuple[tuple[str, ...], ...] | None = None  # header row first

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"

    @property
    def mode(self) -> str:
        """`run`, `skip` or `spark`."""
        if "skip" in self.options:
            return "skip"
        if "spark" in self.options:
            return "spark"
        return "run"


def documents(project: Path) -> list[Path]:
    """README.md, then every docs/**/*.md page in path order."""
    pages = sorted((project / "docs").rglob("*.md")) if (project / "docs").is_dir() else []
    return [project / "README.md", *pages]


def _parse_directive(body: str, where: str) -> dict[str, str]:
    try:
        tokens = shlex.split(body)
    except ValueError as error:
        raise DocumentError(f"{where}: malformed doc-test marker ({error})") from error
    options: dict[str, str] = {}
    for token in tokens:
        key, _, value = token.partition("=")
        if key not in DIRECTIVE_KEYS:
            raise DocumentError(
                f"{where}: unknown doc-test marker {key!r}; expected one of "
                f"{', '.join(sorted(DIRECTIVE_KEYS))}"
            )
        options[key] = value
    if "skip" in options and not options.get("reason", "").strip():
        raise DocumentError(f'{where}: `doc-test: skip` needs a reason="..."')
    if "skip" in options and "spark" in options:
        raise DocumentError(f"{where}: a block is either skipped or a Spark block, not both")
    if "rows" in options and not options["rows"].isdigit():
        raise DocumentError(f"{where}: rows=N needs a whole number, got {options['rows']!r}")
    return options


def _table_after(lines: list[str], start: int) -> tuple[tuple[str, ...], ...] | None:
    """The Markdown table that follows line `start` (blank lines allowed before it)."""
    index = start
    while index < len(lines) and not lines[index].strip():
        index += 1
    rows: list[tuple[str, ...]] = []
    while index < len(lines) and lines[index].strip().startswith("|"):
        cells = lines[index].strip().strip("|").split("|")
        rows.append(tuple(cell.strip() for cell in cells))
        index += 1
    if len(rows) < 2 or not all(set(cell) <= set(":- ") for cell in rows[1]):
        return None
    return (rows[0], *rows[2:])


def extract_blocks(path: Path, project: Path) -> list[Block]:
    """Every ```bash/sh/shell and ```sql block of `path`, in document order, with its marker."""
    document = path.relative_to(project).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    pending: tuple[int, dict[str, str]] | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = DIRECTIVE.match(line)
        if directive:
            if pending is not None:
                raise DocumentError(f"{document}:{pending[0]}: doc-test marker without a block")
            where = f"{document}:{index + 1}"
            pending = (index + 1, _parse_directive(directive.group("body"), where))
            index += 1
            continue
        fence = FENCE.match(line)
        if not fence:
            if line.strip() and pending is not None:
                raise DocumentError(
                    f"{document}:{pending[0]}: a doc-test marker must be right before a block"
                )
            index += 1
            continue
        indent, marker = len(fence.group("indent")), fence.group("fence")
        language = fence.group("info").split(" ")[0].lower() if fence.group("info") else ""
        body: list[str] = []
        end = index + 1
        while end < len(lines):
            closing = FENCE.match(lines[end])
            if (
                closing
                and closing.group("fence")[0] == marker[0]
                and len(closing.group("fence")) >= len(marker)
                and not closing.group("info")
            ):
                break
            text = lines[end]
            body.append(text[indent:] if text[:indent].strip() == "" else text.lstrip())
            end += 1
        else:
            raise DocumentError(f"{document}:{index + 1}: unclosed code fence")
        kind = (
            "shell" if language in SHELL_LANGUAGES else "sql" if language in SQL_LANGUAGES else ""
        )
        options = pending[1] if pending else {}
        if pending and not kind:
            raise DocumentError(
                f"{document}:{pending[0]}: doc-test marker before a ```{language} block, "
                "which is not run (only bash/sh/shell and sql blocks are)"
            )
        if kind:
            if kind == "shell" and {"database", "check-output", "rows"} & set(options):
                raise DocumentError(
                    f"{document}:{index + 1}: database/check-output/rows are for SQL blocks"
                )
            expected = None
            if "check-output" in options:
                expected = _table_after(lines, end + 1)
                if expected is None:
                    raise DocumentError(
                        f"{document}:{index + 1}: check-output, but no Markdown table follows"
                    )
            blocks.append(
                Block(document, index + 1, kind, "\n".join(body) + "\n", options, expected)
            )
        pending = None
        index = end + 1
    if pending is not None:
        raise DocumentError(f"{document}:{pending[0]}: doc-test marker without a block")
    return blocks


# --- a fresh copy of the project ---------------------------------------------------------------


def copy_project(source: Path, root: Path, shared: Path) -> Path:
    """Copy the files git tracks in `source` to `root`/project: untracked files, which a clone
    would not have, are left out (a new file counts once it is `git add`ed).

    `root`/shared links to the real `shared` folder (so `../shared/data` resolves as beside a
    clone), and `.venv` links to the source's installed environment; the copied install inputs
    get the stamp's time, so `make build` does not reinstall."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached"],
        cwd=source,
        capture_output=True,
        check=True,
    ).stdout.decode()
    project = root / "project"
    for name in filter(None, listing.split("\0")):
        origin = source / name
        if not origin.is_file():  # deleted in the work tree, or a submodule
            continue
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target)
    (root / "shared").symlink_to(shared, target_is_directory=True)
    stamp = source / ".venv" / ".installed"
    if not stamp.is_file():
        raise RuntimeError(f"{stamp} is missing: run `make install` in {source} first")
    (project / ".venv").symlink_to(source / ".venv", target_is_directory=True)
    installed_at = stamp.stat().st_mtime - 1  # the Spark stamp, if any, is newer still
    for name in (
        "requirements.txt",
        "constraints.txt",
        "python/pyproject.toml",
        "requirements-spark.txt",
    ):
        if (project / name).is_file():
            os.utime(project / name, (installed_at, installed_at))
    return project


def user_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The test's environment without the variables a user following the docs would not have."""
    environment = {
        key: value
        for key, value in (os.environ if base is None else base).items()
        if not FOREIGN_ENVIRONMENT.match(key)
    }
    # No usage statistics from test runs (the Makefile exports the same).
    environment["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "0"
    return environment


# --- chapters that run side by side --------------------------------------------------------------

#: A shell line that points the rest of a document at a warehouse of its own.
EXPORTED_WAREHOUSE = re.compile(r"^\s*export\s+SEGMENTATION_DB=(?P<database>[^\s;#]+)", re.M)


@dataclass(frozen=True)
class Chapter:
    """Blocks from one `export SEGMENTATION_DB=...` block up to the next one."""

    blocks: tuple[Block, ...]
    database: str  # the warehouse the first block exports, e.g. ledger.duckdb

    @property
    def name(self) -> str:
        return f"{self.blocks[0].where} ({self.database})"

    def mentions(self, database: str) -> bool:
        return any(database in block.text for block in self.blocks)


def exported_database(blocks: list[Block]) -> str | None:
    """The warehouse the first runnable shell block exporting SEGMENTATION_DB points at."""
    for block in blocks:
        if block.kind == "shell" and block.mode == "run":
            match = EXPORTED_WAREHOUSE.search(block.text)
            if match:
                return match.group("database")
    return None


#: A shell command that runs dbt, with an inline `SEGMENTATION_DB=...` or without.
DBT_COMMAND = re.compile(r"^(?P<prefix>(?:\s*[A-Z_]+=\S+)*)\s*\S*dbt\s", re.M)


def standalone_parts(blocks: list[Block], readme: list[Block]) -> list[tuple[Block, ...]]:
    """The parts of a docs page that build every warehouse they read, so they can run in a
    fresh copy of the project instead of after the README: the whole page when its first
    runnable block is a shell block that exports SEGMENTATION_DB (the page's only export) and
    every dbt command before that export names its own warehouse inline; else each side
    chapter (`split_chapters`) that builds the warehouse it exports. A warehouse the README
    names is never standalone (the page reads the README's build)."""
    runnable = [block for block in blocks if block.mode == "run"]
    if not runnable:
        return []

    def own(database: str) -> bool:
        return not any(database in block.text for block in readme)

    exports = [m for block in runnable for m in EXPORTED_WAREHOUSE.finditer(block.text)]
    first = EXPORTED_WAREHOUSE.search(runnable[0].text) if runnable[0].kind == "shell" else None
    if first is not None and len(exports) == 1 and own(first.group("database")):
        before_export = runnable[0].text[: first.start()]
        prefixes = [match.group("prefix") for match in DBT_COMMAND.finditer(before_export)]
        if all("SEGMENTATION_DB=" in prefix for prefix in prefixes):
            return [tuple(blocks)]
    _, chapters = split_chapters(blocks)
    return [
        chapter.blocks
        for chapter in chapters
        if own(chapter.database)
        and any(b.kind == "shell" and DBT_COMMAND.search(b.text) for b in chapter.blocks)
    ]


def split_chapters(blocks: list[Block]) -> tuple[list[Block], list[Chapter]]:
    """(main sequence, side chapters) of a document, so its builds can run side by side.

    A runnable shell block that exports SEGMENTATION_DB starts a chapter that lasts until the
    next such block: from there on every command and query of the document reads that
    warehouse, and nothing before it is read again until the next export. Every chapter but the
    last is a side chapter, run in a fresh copy of its own (as a reader who jumps to that
    section); the main sequence is what comes before the first chapter, then the last chapter,
    whose blocks may read the quick start's files (the exports folder, the report). A side
    chapter that needs a file made before it fails, like any block, and names the file."""
    starts = [
        position
        for position, block in enumerate(blocks)
        if block.kind == "shell" and block.mode == "run" and EXPORTED_WAREHOUSE.search(block.text)
    ]
    if len(starts) < 2:
        return list(blocks), []
    chapters = []
    for start, end in itertools.pairwise(starts):
        database = exported_database(list(blocks[start:end]))
        assert database is not None
        chapters.append(Chapter(tuple(blocks[start:end]), database))
    return [*blocks[: starts[0]], *blocks[starts[-1] :]], chapters


# --- running a document -------------------------------------------------------------------------


@dataclass
class BlockResult:
    block: Block
    status: str  # passed, failed, skipped, spark, not run
    returncode: int | None = None
    seconds: float = 0.0
    output: str = ""
    results: list[dict] = field(default_factory=list)  # SQL: one entry per statement

    def describe(self) -> str:
        return f"{self.block.where} [{self.block.kind}] {self.status} ({self.seconds:.1f} s)"


_DRIVER_PRELUDE = r"""# generated by doc_blocks.py: the blocks of one document, in order
__doc_test_shell() {
    trap 'return $?' ERR  # set -e for this block only: its first failing command ends it
    set -o pipefail
    eval "$(<"$1")"
}
__doc_test_sql() {
    local database="$2"
    if [ -z "$database" ]; then database="${SEGMENTATION_DB:-segmentation.duckdb}"; fi
    "$__DOC_TEST_PYTHON" "$__DOC_TEST_HELPER" sql --database "$database" --out "$3" "$1"
}
__doc_test_done() {
    printf '%s %s %s %s\n' "$1" "$2" "$3" "$EPOCHREALTIME" >> "$__DOC_TEST_STATUS"
}
"""


def run_blocks(
    blocks: list[Block],
    project: Path,
    work: Path,
    environment: dict[str, str],
    run_modes: frozenset[str] = frozenset({"run"}),
    timeout: float = 3600,
) -> list[BlockResult]:
    """Run the blocks whose mode is in `run_modes` in one bash process started in `project`."""
    work.mkdir(parents=True, exist_ok=True)
    status_file = work / "status"
    status_file.write_text("")
    script = [
        _DRIVER_PRELUDE,
        f"__DOC_TEST_PYTHON={shlex.quote(sys.executable)}",
        f"__DOC_TEST_HELPER={shlex.quote(str(Path(__file__).resolve()))}",
        f"__DOC_TEST_STATUS={shlex.quote(str(status_file))}",
        f"cd {shlex.quote(str(project))}",
    ]
    for number, block in enumerate(blocks):
        if block.mode not in run_modes:
            continue
        stem = work / f"{number:03d}"
        log = shlex.quote(f"{stem}.log")
        script.append(f"# {block.where}")
        script.append("__doc_test_started=$EPOCHREALTIME")
        if block.kind == "shell":
            Path(f"{stem}.sh").write_text(block.text)
            call = f"__doc_test_shell {shlex.quote(f'{stem}.sh')}"
        else:
            Path(f"{stem}.sql").write_text(block.text)
            database = shlex.quote(block.options.get("database", ""))
            result = shlex.quote(f"{stem}.json")
            call = f"__doc_test_sql {shlex.quote(f'{stem}.sql')} {database} {result}"
        script.append(f"{call} > {log} 2>&1 < /dev/null")
        script.append(f'__doc_test_done {number} $? "$__doc_test_started"')
        script.append("trap - ERR; set +o pipefail")
    driver = work / "driver.sh"
    driver.write_text("\n".join(script) + "\n")
    process = subprocess.run(
        ["bash", str(driver)],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    finished: dict[int, tuple[int, float]] = {}
    for row in status_file.read_text().splitlines():
        number, returncode, started, ended = row.split()
        finished[int(number)] = (int(returncode), float(ended) - float(started))
    results = []
    for number, block in enumerate(blocks):
        if block.mode not in run_modes:
            status = "skipped" if block.mode == "skip" else block.mode
            results.append(BlockResult(block, status))
            continue
        stem = work / f"{number:03d}"
        log = Path(f"{stem}.log")
        output = log.read_text(errors="replace") if log.is_file() else ""
        if number not in finished:
            output += f"\n(the shell ended before this block: {process.stderr[-2000:]})"
            results.append(BlockResult(block, "not run", output=output))
            continue
        returncode, seconds = finished[number]
        sql_results = []
        if block.kind == "sql" and Path(f"{stem}.json").is_file():
            sql_results = json.loads(Path(f"{stem}.json").read_text())
        status = "passed" if returncode == 0 else "failed"
        result = BlockResult(block, status, returncode, seconds, output, sql_results)
        if status == "passed" and block.kind == "sql":
            problems = []
            if block.expected_table is not None:
                problems += compare_with_table(block.expected_table, sql_results)
            if "rows" in block.options:
                returned = len(sql_results[-1]["rows"]) if sql_results else 0
                if returned != int(block.options["rows"]):
                    problems.append(f"{returned} rows, the text promises {block.options['rows']}")
            if problems:
                result.status = "failed"
                result.output += "\ncheck-output: " + "; ".join(problems)
        results.append(result)
    return results


def summary(results: list[BlockResult], title: str) -> str:
    """One line per block plus totals (what the test prints)."""
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    total = sum(result.seconds for result in results)
    lines = [f"{title}: {len(results)} blocks, {total:.0f} s of block time"]
    lines.append("  " + ", ".join(f"{count} {status}" for status, count in sorted(counts.items())))
    for result in results:
        line = f"  {result.describe()}"
        if result.status == "skipped":
            line += f": {result.block.options['reason']}"
        lines.append(line)
    return "\n".join(lines)


def failure_report(results: list[BlockResult], tail: int = 40) -> str:
    """The failed blocks with their text and the end of their output."""
    parts = []
    for result in results:
        if result.status not in {"failed", "not run"}:
            continue
        output = "\n".join(result.output.rstrip().splitlines()[-tail:])
        parts.append(
            f"--- {result.block.where} ({result.status}, exit {result.returncode})\n"
            f"{result.block.text.rstrip()}\n--- output (end):\n{output}"
        )
    return "\n\n".join(parts)


# --- expected output ----------------------------------------------------------------------------


def _matches(expected: str, actual: object) -> bool:
    if expected == "":
        return actual is None
    if isinstance(actual, bool):
        return expected.lower() == str(actual).lower()
    number = expected.replace(",", "").replace("*", "")
    if isinstance(actual, int | float) and re.fullmatch(r"-?\d+(\.\d+)?", number):
        if isinstance(actual, float) and math.isnan(actual):
            return False
        decimals = len(number.partition(".")[2])
        return abs(float(actual) - float(number)) <= 0.5 * 10**-decimals + 1e-9
    return expected == str(actual)


def compare_with_table(expected: tuple[tuple[str, ...], ...], statements: list[dict]) -> list[str]:
    """Problems (empty: none) comparing the last statement's result with a Markdown table.

    Only the table's columns are compared (a table may leave some out); numbers are equal at the
    precision the table shows."""
    if not statements:
        return ["the query returned no result"]
    columns, rows = statements[-1]["columns"], statements[-1]["rows"]
    header, body = expected[0], expected[1:]
    missing = [name for name in header if name not in columns]
    if missing:
        return [f"columns {missing} not in the result {columns}"]
    if len(rows) != len(body):
        return [f"{len(rows)} rows, the table shows {len(body)}"]
    problems = []
    for number, (cells, row) in enumerate(zip(body, rows, strict=True), start=1):
        for name, cell in zip(header, cells, strict=True):
            actual = row[columns.index(name)]
            if not _matches(cell, actual):
                problems.append(f"row {number} {name}: table {cell!r}, query {actual!r}")
    return problems


# --- the SQL runner (called by the driver) ------------------------------------------------------


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)


def run_sql(database: str, sql: str, out: Path | None) -> None:
    """Run every statement of `sql` against `database`; print and store each result."""
    import duckdb  # the venv's DuckDB, as a user's client

    if database != ":memory:" and not Path(database).is_file():
        raise SystemExit(
            f"database {database!r} does not exist in {os.getcwd()}: no block before this one "
            "built it (set SEGMENTATION_DB in a shell block or mark the block database=...)"
        )
    statements = []
    with duckdb.connect(database) as connection:
        for number, statement in enumerate(duckdb.extract_statements(sql), start=1):
            try:
                cursor = connection.execute(statement)
            except duckdb.Error as error:
                raise SystemExit(f"statement {number} failed: {error}") from None
            columns = [column[0] for column in cursor.description or []]
            rows = [[_jsonable(value) for value in row] for row in cursor.fetchall()]
            statements.append({"columns": columns, "rows": rows})
            print(" | ".join(columns))
            for row in rows[:20]:
                print(" | ".join("NULL" if value is None else str(value) for value in row))
            print(f"({len(rows)} rows)")
    if out is not None:
        out.write_text(json.dumps(statements))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="run a documented SQL block")
    commands = parser.add_subparsers(dest="command", required=True)
    sql = commands.add_parser("sql")
    sql.add_argument("--database", required=True)
    sql.add_argument("--out", type=Path)
    sql.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    started = time.monotonic()
    run_sql(args.database, args.file.read_text(), args.out)
    print(f"({time.monotonic() - started:.2f} s)")


if __name__ == "__main__":
    main()
