"""Stand-ins for dbt's jinja context when sqlfluff lints models with its jinja templater.

Functions defined here are exposed at the top level of the template context; `var()` returns the
defaults declared in dbt_project.yml, so models render as they do in a default build.
"""

from pathlib import Path

import yaml

_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project.yml"
_VARS = yaml.safe_load(_PROJECT.read_text())["vars"]


def var(name, default=None):
    return _VARS.get(name, default)
