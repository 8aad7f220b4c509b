"""dbt's Jinja context for sqlfluff's `jinja` templater, so `make lint` needs no database.

sqlfluff loads this package (`library_path` in `.sqlfluff`) and puts its public names into the
template context next to its own dbt builtins (`ref`, `source`, `config`, `return`, `this`):

- `var(name, default)` returns the project's real defaults from `dbt_project.yml` (sqlfluff's
  own `var` returns a placeholder string, which our feature-list macros cannot iterate),
  overridden by the YAML mapping in the context value `lint_vars` (the ledger config,
  `tests/sqlfluff_ledger.cfg`, lints the ledger models with `input_format: ledger`);
- `adapter.dispatch(name)` returns `duckdb__<name>` or else `default__<name>` from the macros
  loaded from `macros/`, as dbt does on DuckDB;
- `execute` is false, as in dbt's parse phase: macros that query the warehouse are skipped;
- `is_incremental()` is false, as for dbt's templater on a fresh lint database (sqlfluff's
  own builtin says true), so an incremental model's full-refresh SQL is what is linted;
- `{{ return(x) }}` ends the macro that calls it, as in dbt: sqlfluff only catches it around
  macros called through the context, so a macro calling another macro of the same file got
  the inner macro's return value (patched below on jinja's `Macro`, once per process);
- sqlfluff compiles every macro file again for every model it lints (twice): jinja's compile
  is memoized by source text and environment options below, which makes lint ~20x faster.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from jinja2 import Environment, pass_context
from jinja2.runtime import Context, Macro
from sqlfluff.core.templaters.builtins.dbt import MacroReturn

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROJECT_VARS: dict[str, Any] = (
    yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text()).get("vars") or {}
)


def _catch_return_per_macro() -> None:
    if getattr(Macro, "_dbt_return_per_macro", False):
        return
    invoke = Macro._invoke

    def _invoke(self: Macro, arguments: list, autoescape: bool) -> Any:
        try:
            return invoke(self, arguments, autoescape)
        except MacroReturn as returned:
            return returned.value

    Macro._invoke = _invoke  # type: ignore[method-assign]
    Macro._dbt_return_per_macro = True  # type: ignore[attr-defined]


_catch_return_per_macro()


def _memoize_compile() -> None:
    if getattr(Environment, "_dbt_compile_memo", None) is not None:
        return
    compile_source = Environment.compile
    memo: dict[tuple, Any] = {}

    def compile(
        self: Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):  # an already parsed template: not cached
            return compile_source(self, source, name, filename, raw, defer_init)
        options = (tuple(sorted(self.extensions)), self.optimized, self.autoescape)
        key = (source, name, filename, raw, defer_init, options)
        if key not in memo:
            memo[key] = compile_source(self, source, name, filename, raw, defer_init)
        return memo[key]

    Environment.compile = compile  # type: ignore[method-assign]
    Environment._dbt_compile_memo = memo  # type: ignore[attr-defined]


_memoize_compile()

execute = False
invocation_id = "sqlfluff-lint"
project_name = "segmentation"
run_started_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
modules = SimpleNamespace(re=re, datetime=datetime, json=json)
graph: dict[str, dict] = {"nodes": {}, "sources": {}}
flags = SimpleNamespace(EMPTY=False, FULL_REFRESH=False, WHICH="build")
target = SimpleNamespace(
    name="dev", type="duckdb", schema="main", database="segmentation", path="segmentation.duckdb"
)


class CompilerError(Exception):
    """`exceptions.raise_compiler_error` while linting: the message says which macro failed."""


def _raise_compiler_error(message: str) -> None:
    raise CompilerError(message)


exceptions = SimpleNamespace(raise_compiler_error=_raise_compiler_error, warn=lambda msg: "")


@pass_context
def var(context: Context, name: str, default: Any = None) -> Any:
    overrides = yaml.safe_load(str(context.get("lint_vars") or "{}")) or {}
    if name in overrides:
        return overrides[name]
    if name in PROJECT_VARS:
        return PROJECT_VARS[name]
    return default


def is_incremental() -> bool:
    return False


def env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise CompilerError(f"env_var {name!r} is not set and has no default")
    return value


def log(message: object, info: bool = False) -> str:
    return ""


def run_query(sql: str) -> None:
    return None


def tojson(value: object, sort_keys: bool = False) -> str:
    return json.dumps(value, sort_keys=sort_keys, default=str)


def fromjson(text: str, default: object = None) -> object:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def fromyaml(text: str, default: object = None) -> object:
    try:
        return yaml.safe_load(text)
    except (TypeError, yaml.YAMLError):
        return default


class _Relation(SimpleNamespace):
    def __str__(self) -> str:
        return ".".join(str(part) for part in (self.schema, self.identifier) if part)


class _Adapter:
    """The parts of dbt's `adapter` our macros call while rendering (no warehouse)."""

    @pass_context
    def dispatch(self, context: Context, name: str, macro_namespace: str | None = None) -> Any:
        for prefix in ("duckdb__", "default__"):
            macro = context.get(prefix + name)
            if macro is not None:
                return macro
        raise CompilerError(f"adapter.dispatch: no duckdb__{name} or default__{name} macro")

    def get_relation(self, database: str = "", schema: str = "", identifier: str = "") -> None:
        return None

    def get_columns_in_relation(self, relation: object) -> list:
        return []

    def commit(self) -> str:
        return ""

    def quote(self, identifier: str) -> str:
        return f'"{identifier}"'


adapter = _Adapter()
api = SimpleNamespace(Relation=SimpleNamespace(create=lambda **parts: _Relation(**parts)))
invocation_args_dict: dict[str, Any] = {
    "vars": {},
    "project_dir": str(PROJECT_DIR),
    "which": "build",
}
