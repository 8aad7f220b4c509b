"""`make lint` (ruff, mypy, the settings definition check, sqlfluff on every model) runs as one
test of the suite, so the pytest workers schedule it beside the dbt builds instead of before
them (docs/testing.md). One definition of lint: the Makefile's target."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_make_lint_passes() -> None:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES"}
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "lint"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"make lint failed:\n{output[-8000:]}"
    assert "All checks passed!" in output  # ruff ran
    assert output.count("All Finished!") == 2  # both sqlfluff passes ran
