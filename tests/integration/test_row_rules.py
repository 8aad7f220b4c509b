"""The row_rules generic test (macros/generic_tests/row_rules.sql; issue 18): several row-level
rules of one model in one test node and one scan. The macro is rendered with plain Jinja (no dbt
invocation) and run on DuckDB against a table whose broken rows are counted with pandas; the
YAML that uses it is checked to name existing columns."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd
import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
MACRO = PROJECT_DIR / "macros" / "generic_tests" / "row_rules.sql"
#: the grain steps row_rules calls for `keys` and `unique`
GRAIN_MACROS = PROJECT_DIR / "macros" / "generic_tests" / "repeated_keys.sql"


class CompilerError(Exception):
    pass


class Exceptions:
    @staticmethod
    def raise_compiler_error(message: str) -> None:
        raise CompilerError(message)


def render(**arguments: Any) -> str:
    """The SQL dbt compiles for `row_rules` with `arguments` on the table `checked`."""
    text = MACRO.read_text()
    text = re.sub(r"{%\s*test\s+row_rules\(", "{% macro row_rules(", text)
    text = re.sub(r"{%\s*endtest\s*%}", "{% endmacro %}", text)
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    # DuckDB's key hash (macros/cross_db/key_hash.sql renders `hash(...)` there)
    grain = environment.from_string(GRAIN_MACROS.read_text()).make_module(
        {"key_hash": lambda columns: f"hash({', '.join(columns)})"}
    )
    context = {
        "exceptions": Exceptions(),
        "repeated_key_hashes": grain.repeated_key_hashes,
        "repeated_key_rows": grain.repeated_key_rows,
    }
    module = environment.from_string(text).make_module(context)
    return str(module.row_rules(model="checked", **arguments))


def failures(frame: pd.DataFrame, **arguments: Any) -> dict[str, int]:
    with duckdb.connect() as con:
        con.register("frame", frame)
        con.execute("create table checked as select * from frame")
        rows = con.sql(render(**arguments)).fetchall()
    return {str(rule): int(n_rows) for rule, n_rows in rows}


RULES: dict[str, Any] = {
    "not_null": ["customer_id", "amount"],
    "accepted_values": {"kind": ["one_off", "it's"], "score": [1, 2]},
    "expressions": {"amount is positive": "amount > 0"},
}


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array(["a", "b", "c", None, None, "f"], dtype="string"),
            "kind": pd.array(["one_off", "it's", None, "both", "one_off", "x"], dtype="string"),
            "score": pd.array([1, 2, 3, None, 1, 2], dtype="Int64"),
            "amount": [1.0, 2.0, -1.0, None, 0.0, 5.0],
        }
    )


def expected(data: pd.DataFrame) -> dict[str, int]:
    """The rows breaking each rule, counted in pandas (NULL passes accepted_values as in dbt's
    accepted_values, NULL fails an expression as in expression_is_true)."""
    counts = {
        "customer_id not_null": int(data["customer_id"].isna().sum()),
        "amount not_null": int(data["amount"].isna().sum()),
        "kind accepted_values": int(
            (data["kind"].notna() & ~data["kind"].isin(["one_off", "it's"])).sum()
        ),
        "score accepted_values": int((data["score"].notna() & ~data["score"].isin([1, 2])).sum()),
        "amount is positive": int((~(data["amount"] > 0)).sum()),
    }
    return {rule: n for rule, n in counts.items() if n}


def test_row_rules_counts_the_rows_breaking_each_rule() -> None:
    data = frame()
    found = failures(data, **RULES)
    assert found == expected(data)
    assert found == {
        "customer_id not_null": 2,
        "amount not_null": 1,
        "kind accepted_values": 2,
        "score accepted_values": 1,
        "amount is positive": 3,
    }


def test_row_rules_pass_when_every_rule_holds() -> None:
    data = frame().iloc[[0, 1]]
    assert expected(data) == {}
    assert failures(data, **RULES) == {}
    # an empty model breaks nothing
    assert failures(data.iloc[:0], **RULES) == {}


def test_row_rules_without_rules_is_an_error() -> None:
    with pytest.raises(CompilerError, match="give keys, unique, not_null, accepted_values or"):
        render()


def expected_key_rows(data: pd.DataFrame, key: list[str], with_nulls: bool) -> int:
    """Rows whose key occurs more than once (NULLs equal, as in a SQL group by), plus with
    `with_nulls` the rows with a NULL key column, counted in pandas."""
    sizes = data.groupby(key, dropna=False)[key[0]].transform("size")
    broken = sizes > 1
    if with_nulls:
        broken |= data[key].isna().any(axis=1)
    return int(broken.sum())


def test_keys_and_unique_count_the_rows_of_repeated_or_null_keys() -> None:
    data = frame()
    data["segment_id"] = pd.array([1, 1, 2, 2, None, None], dtype="Int64")
    data["run"] = pd.array(["r1", "r1", "r1", "r2", "r2", "r2"], dtype="string")
    arguments = {
        "keys": ["customer_id", ["run", "segment_id"]],
        "unique": [["run", "kind"], "score"],
        **RULES,
    }
    found = failures(data, **arguments)
    grains = {
        "key (customer_id)": expected_key_rows(data, ["customer_id"], with_nulls=True),
        "key (run, segment_id)": expected_key_rows(data, ["run", "segment_id"], True),
        "unique (run, kind)": expected_key_rows(data, ["run", "kind"], with_nulls=False),
        "unique (score)": expected_key_rows(data, ["score"], with_nulls=False),
    }
    assert found == {**expected(data), **{rule: n for rule, n in grains.items() if n}}
    # two NULL ids; (r1, 1) twice and (r2, NULL) twice; kind is unique per run; score 1 and 2
    # twice each (NULL once)
    assert grains == {
        "key (customer_id)": 2,
        "key (run, segment_id)": 4,
        "unique (run, kind)": 0,
        "unique (score)": 4,
    }
    # keys alone, on rows that keep them
    clean = data.iloc[[1, 2]]
    assert failures(clean, keys=["customer_id", ["run", "segment_id"]]) == {}
    assert failures(data.iloc[:0], keys=["customer_id"], unique=["score"]) == {}


def _row_rules_in(path: Path) -> list[tuple[str, dict, set[str]]]:
    """(name, arguments, described columns) of every row_rules test in a YAML file."""
    found = []
    document = yaml.safe_load(path.read_text()) or {}
    for kind in ("models", "seeds", "snapshots"):
        for node in document.get(kind, []):
            columns = {column["name"] for column in node.get("columns", [])}
            for test in node.get("data_tests", []):
                if isinstance(test, dict) and "row_rules" in test:
                    found.append((node["name"], test["row_rules"]["arguments"], columns))
    return found


def test_row_rules_in_the_project_name_described_columns() -> None:
    """A typo in a column name would only show when the rule runs; here it fails at once."""
    uses = [
        use
        for folder in ("models", "seeds", "snapshots")
        for path in sorted((PROJECT_DIR / folder).rglob("*.yml"))
        for use in _row_rules_in(path)
    ]
    assert len(uses) >= 10
    offenders = []
    for name, arguments, columns in uses:
        named = set(arguments.get("not_null", [])) | set(arguments.get("accepted_values", {}))
        for key in [*arguments.get("keys", []), *arguments.get("unique", [])]:
            named |= {key} if isinstance(key, str) else set(key)
        if not columns:
            offenders.append(f"{name}: no columns described")
        offenders += [f"{name}: {column} is not a described column" for column in named - columns]
    assert not offenders, "\n".join(offenders)
