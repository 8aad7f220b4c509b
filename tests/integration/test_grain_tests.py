"""The grain tests' SQL (macros/generic_tests/repeated_keys.sql, used by primary_key and
unique_combination): keys grouped by a 64-bit hash first, then exactly. Rendered with plain
Jinja (no dbt invocation) and run on DuckDB; the expected rows are counted with pandas."""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import pandas as pd
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
MACRO = PROJECT_DIR / "macros" / "generic_tests" / "repeated_keys.sql"

ROWS = pd.DataFrame(
    {
        "run_id": ["629566a8-3d8c-4a88-a0a3-4957f29fe2b6"] * 5 + ["7f0c1e2d-long-run-id-2"] * 3,
        "customer_id": ["C1", "C2", "C2", "C3", None, "C1", "C2", "C2"],
    }
)


def render(key_hash: str, **arguments) -> str:
    """The SQL of repeated_keys on the table `memberships`, with `key_hash` as the hash (a
    format string over the comma-joined key columns)."""
    module = (
        jinja2.Environment()
        .from_string(MACRO.read_text())
        .make_module({"key_hash": lambda columns: key_hash.format(", ".join(columns))})
    )
    return str(module.repeated_keys(model="memberships", **arguments))


def expected(with_nulls: bool) -> set[tuple]:
    key = ["run_id", "customer_id"]
    counts = ROWS.groupby(key, dropna=False).size()
    rows = {(run, customer, n) for (run, customer), n in counts.items() if n > 1}
    if with_nulls:
        rows |= {(run, None, n) for (run, customer), n in counts.items() if pd.isna(customer)}
    return {(run, None if pd.isna(c) else c, n) for run, c, n in rows}


# DuckDB's hash (what dbt renders on DuckDB), and a hash that collides for almost every key:
# a collision only sends more rows to the exact step, the answer stays the same
@pytest.mark.parametrize("key_hash", ["hash({})", "length(concat_ws('|', {}))"])
@pytest.mark.parametrize("with_nulls", [False, True])
def test_repeated_keys_equal_pandas(key_hash: str, with_nulls: bool) -> None:
    with duckdb.connect() as con:
        con.register("memberships_frame", ROWS)
        con.execute("create table memberships as select * from memberships_frame")
        sql = render(key_hash, key=["run_id", "customer_id"], with_nulls=with_nulls)
        found = {tuple(row) for row in con.execute(sql).fetchall()}
    assert found == expected(with_nulls)
    assert ("629566a8-3d8c-4a88-a0a3-4957f29fe2b6", "C2", 2) in found
