"""Prose names settings by their grouped names (issue 17): no model, macro, YAML description,
doc block or docs page names a setting by the flat var it replaced (`drift_baseline` is
`drift.baseline`). Reads files only: no dbt."""

from __future__ import annotations

import re
from pathlib import Path

from customer_segmentation.settings import renamed

PROJECT_DIR = Path(__file__).resolve().parents[2]

#: Where old names belong: the settings definition (it names them to reject them), the generated
#: definition macro, the configuration table ("was `...`") and the decision notes (history).
ALLOWED = {
    "python/src/customer_segmentation/settings.py",
    "macros/settings/settings_definition.sql",
    "docs/configuration.md",
}
#: Old names that are also other things: `persona_catalogue` is a seed and a column.
ALSO_OTHER_NAMES = {"persona_catalogue"}


def checked_files() -> list[Path]:
    files = [
        *PROJECT_DIR.glob("models/**/*"),
        *PROJECT_DIR.glob("macros/**/*"),
        *PROJECT_DIR.glob("docs/*.md"),
        PROJECT_DIR / "README.md",
    ]
    return sorted(
        path
        for path in files
        if path.is_file()
        and path.suffix in {".sql", ".py", ".yml", ".md"}
        and str(path.relative_to(PROJECT_DIR)) not in ALLOWED
    )


def test_no_prose_names_a_setting_by_its_old_flat_name() -> None:
    # only names that differ from their new key: `random_seed` is also kmeans.random_seed's key
    old_names = {
        old: new
        for old, new in renamed().items()
        if old != new.split(".")[1] and old not in ALSO_OTHER_NAMES
    }
    assert "drift_baseline" in old_names  # the check looks for something
    pattern = re.compile(r"(?<![\w./'])(" + "|".join(map(re.escape, old_names)) + r")(?!\w)")
    stale = [
        f"{path.relative_to(PROJECT_DIR)}:{number}: {match.group(1)} -> {old_names[match.group(1)]}"
        for path in checked_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for match in pattern.finditer(line)
    ]
    assert not stale, "old flat setting names (use the grouped name):\n" + "\n".join(stale)
