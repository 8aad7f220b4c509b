"""Every relative link and `#anchor` of README.md and docs/**/*.md resolves; the README stays a
front page (issue 17). Reads Markdown only: no dbt, well under a second."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
README_MAX_LINES = 300

FENCE = re.compile(r"^ *(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
#: [text](target) and ![alt](target), the target without an optional "title".
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def markdown_pages(project: Path = PROJECT_DIR) -> list[Path]:
    docs = sorted((project / "docs").rglob("*.md")) if (project / "docs").is_dir() else []
    return [project / "README.md", *docs]


def prose_lines(text: str, keep_code_spans: bool = False) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks, inline code spans removed unless kept."""
    lines, fence = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            continue
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        lines.append((number, line if keep_code_spans else CODE_SPAN.sub("", line)))
    return lines


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text lowercased, punctuation dropped (word
    characters, spaces and hyphens stay), spaces turned into hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor of a Markdown page (repeated headings get -1, -2, ... as on GitHub)."""
    seen: dict[str, int] = {}
    result = set()
    for _, line in prose_lines(path.read_text(encoding="utf-8"), keep_code_spans=True):
        match = HEADING.match(line)
        if not match:
            continue
        slug = github_slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    # explicit <a id="..."> / <a name="...">
    text = path.read_text(encoding="utf-8")
    result.update(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", text))
    return result


def links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every link of a page, outside code."""
    found = []
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        for match in INLINE_LINK.finditer(line):
            found.append((number, match.group(1)))
        definition = REFERENCE_DEFINITION.match(line)
        if definition:
            found.append((number, definition.group(1)))
    return found


def broken_links(path: Path, project: Path = PROJECT_DIR) -> list[str]:
    """A message per relative link of `path` whose file or #anchor does not exist."""
    problems = []
    where = path.relative_to(project).as_posix()
    for number, target in links(path):
        if EXTERNAL.match(target):
            continue  # https:, mailto: ...: not checked here (no network)
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if file_part and not destination.exists():
            problems.append(f"{where}:{number}: {target!r}: no file {file_part!r}")
            continue
        if not destination.resolve().is_relative_to(project.resolve()):
            problems.append(f"{where}:{number}: {target!r} points outside the repository")
            continue
        if anchor:
            if destination.is_dir() or destination.suffix.lower() != ".md":
                problems.append(f"{where}:{number}: {target!r}: an anchor on a non-Markdown file")
            elif anchor not in anchors(destination):
                problems.append(
                    f"{where}:{number}: {target!r}: no heading with anchor #{anchor} in "
                    f"{destination.relative_to(project.resolve()).as_posix()}"
                )
    return problems


PAGES = [
    pytest.param(page, id=page.relative_to(PROJECT_DIR).as_posix()) for page in markdown_pages()
]


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_and_anchors_resolve(page: Path) -> None:
    problems = broken_links(page)
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_readme_is_a_front_page() -> None:
    lines = (PROJECT_DIR / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines (at most {README_MAX_LINES}): move details to a "
        "docs/ page and link it"
    )


def test_every_docs_page_is_linked_from_the_readme() -> None:
    """The README's link list is the index of docs/ (decision notes: their folder)."""
    readme = PROJECT_DIR / "README.md"
    linked = {
        (readme.parent / target.partition("#")[0]).resolve()
        for _, target in links(readme)
        if not EXTERNAL.match(target) and target.partition("#")[0]
    }
    missing = [
        page.relative_to(PROJECT_DIR).as_posix()
        for page in markdown_pages()[1:]
        if page.resolve() not in linked and page.parent.resolve() not in linked
    ]
    assert not missing, f"docs pages the README does not link: {missing}"


def test_the_checker_finds_broken_links(tmp_path: Path) -> None:
    """The checker itself: a missing file, a missing anchor, a link inside code (ignored), a
    repeated heading's -1 anchor, headings with code and punctuation."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(
        "# Title\n\n## What to do when a `drift` alert fires!\n\n## Repeat\n\n## Repeat\n",
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text(
        "[ok](docs/page.md#what-to-do-when-a-drift-alert-fires)\n"
        "[repeat](docs/page.md#repeat-1)\n"
        "[missing file](docs/nope.md)\n"
        "[missing anchor](docs/page.md#nowhere)\n"
        "[self](#nothing-here)\n"
        "`[in code](docs/nope.md)`\n"
        "```\n[in a fence](docs/nope.md)\n```\n"
        "[web](https://example.com/x)\n",
        encoding="utf-8",
    )
    problems = broken_links(tmp_path / "README.md", tmp_path)
    assert len(problems) == 3, problems
    assert "README.md:3" in problems[0] and "no file 'docs/nope.md'" in problems[0]
    assert "README.md:4" in problems[1] and "#nowhere" in problems[1]
    assert "README.md:5" in problems[2] and "#nothing-here" in problems[2]
    assert github_slug("`fit_engine: mllib`") == "fit_engine-mllib"
    assert github_slug("Drift: is this month's input like the training data?") == (
        "drift-is-this-months-input-like-the-training-data"
    )


def test_python_readme_lists_every_package_module() -> None:
    """python/README.md's module table names every module of the package (issue 17: it once
    named 4 of 16), so a newcomer finds where a piece of Python logic lives."""
    package = PROJECT_DIR / "python" / "src" / "customer_segmentation"
    listed = set(
        re.findall(r"^\| `(\w+)` \|", (PROJECT_DIR / "python" / "README.md").read_text(), re.M)
    )
    modules = {path.stem for path in package.glob("*.py") if not path.stem.startswith("_")}
    assert modules - listed == set(), f"add to python/README.md's table: {sorted(modules - listed)}"
    assert listed - modules == set(), f"no such module: {sorted(listed - modules)}"
