from __future__ import annotations

import itertools

import duckdb
import numpy as np
import pandas as pd
import pytest

from customer_segmentation.clustering import ModelInputError
from customer_segmentation.surrogate_tree import (
    ALWAYS_TRUE,
    LEAF_COLUMNS,
    case_expression,
    fit_surrogate_tree,
    float64_bound,
    readable_number,
    sql_double,
    surrogate_tree_leaves,
    tree_leaves,
)

FEATURES = ["purchases", "cash_advance", "tenure"]


def customers(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Three overlapping segments on money-like and count-like features (ties included)."""
    rng = np.random.default_rng(seed)
    segment = rng.integers(1, 4, n)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "segment_id": segment,
            "purchases": rng.gamma(2.0, 500.0, n) * segment,
            "cash_advance": rng.gamma(1.5, 300.0, n) * (4 - segment),
            "tenure": rng.integers(6, 13, n).astype(float),
        }
    )
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def evaluate_in_duckdb(expression: str, rows: pd.DataFrame) -> np.ndarray:
    with duckdb.connect() as con:
        con.register("rows_view", rows)
        result = con.sql(f"select {expression} as rule_segment_id from rows_view").df()
    return result["rule_segment_id"].to_numpy()


def neighbours(value: float) -> list[float]:
    """float64 values around a threshold: the float32 neighbours, the midpoints between them
    and the float64 values next to each."""
    below = np.float32(value)
    points = {float(below), float(np.nextafter(below, np.float32(np.inf)))}
    points.add(float(np.nextafter(below, np.float32(-np.inf))))
    for a in sorted(points):
        for b in sorted(points):
            if a < b:
                points = points | {(a + b) / 2}
    out = set()
    for p in points | {value, float64_bound(value)}:
        out |= {p, float(np.nextafter(p, np.inf)), float(np.nextafter(p, -np.inf))}
    return sorted(out)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_float64_bound_reproduces_the_float32_comparison(seed: int) -> None:
    rng = np.random.default_rng(seed)
    float32_values = rng.normal(0, 1, 400).astype(np.float32) * np.float32(10.0) ** rng.integers(
        -6, 6, 400
    ).astype(np.float32)
    # sklearn's thresholds: midpoints of two float32 values, computed in float64, and raw values
    thresholds = [float(a) / 2 + float(b) / 2 for a, b in itertools.pairwise(float32_values)]
    thresholds += [float(v) for v in float32_values] + [0.0, -0.0, 0.5, 1e-45, 1850.5]
    for t in thresholds:
        bound = float64_bound(t)
        for x in neighbours(t):
            assert (float(np.float32(x)) <= t) == (x <= bound), (t, x, bound)


def test_sql_double_round_trips_through_duckdb() -> None:
    values = [0.25, -3e-07, 1850.4999999999998, 1e22, 0.1 + 0.2, 5e-324, -0.0]
    with duckdb.connect() as con:
        row = con.sql("select " + ", ".join(sql_double(v) for v in values)).fetchall()[0]
    assert list(row) == values
    with pytest.raises(ModelInputError):
        sql_double(float("inf"))


def test_readable_numbers() -> None:
    assert readable_number(1849.6) == "1,850"
    assert readable_number(420.3) == "420"
    assert readable_number(123456.0) == "123,000"
    assert readable_number(0.083333) == "0.0833"
    assert readable_number(11.5) == "11.5"
    assert readable_number(0.0) == "0"
    assert readable_number(-2.75) == "-2.75"


@pytest.mark.parametrize("max_depth", [1, 3, 5])
def test_sql_case_expression_equals_the_tree_on_every_training_row(max_depth: int) -> None:
    training = customers()
    leaves = surrogate_tree_leaves(training, max_depth=max_depth, random_state=42)
    tree = fit_surrogate_tree(training, FEATURES, max_depth=max_depth, random_state=42)
    expected = tree.predict(training[FEATURES].to_numpy())
    assert (evaluate_in_duckdb(case_expression(leaves), training) == expected).all()
    assert leaves["n_training_customers"].sum() == len(training)
    assert leaves["n_training_agreeing"].sum() == (expected == training["segment_id"]).sum()
    assert leaves["depth"].max() <= max_depth
    assert list(leaves.dtypes.astype(str)) == [
        "string" if d == "string" else d for d in LEAF_COLUMNS.values()
    ]


def test_sql_case_expression_equals_the_tree_next_to_every_threshold() -> None:
    """Rows straddling each split threshold at float32 / float64 resolution: the SQL bound
    must put them on the same side as scikit-learn's float32 comparison."""
    training = customers(seed=3)
    leaves = surrogate_tree_leaves(training, max_depth=4, random_state=0)
    tree = fit_surrogate_tree(training, FEATURES, max_depth=4, random_state=0)
    structure = tree.tree_
    base = training[FEATURES].median().to_numpy()
    rows = []
    for node in range(structure.node_count):
        if structure.children_left[node] == structure.children_right[node]:
            continue
        for value in neighbours(float(structure.threshold[node])):
            row = base.copy()
            row[structure.feature[node]] = value
            rows.append(row)
    probes = pd.DataFrame(rows, columns=FEATURES)
    assert len(probes) > 50
    expected = tree.predict(probes.to_numpy())
    assert (evaluate_in_duckdb(case_expression(leaves), probes) == expected).all()


def test_leaves_read_as_rules() -> None:
    training = customers()
    leaves = surrogate_tree_leaves(training, max_depth=2, random_state=42)
    assert list(leaves.columns) == list(LEAF_COLUMNS)
    assert leaves["leaf_id"].is_monotonic_increasing
    first = leaves.iloc[0]
    assert " <= " in first["rule_condition"] and " and " in first["rule_condition"]
    assert "e" in first["predicate_sql"].split("<= ")[1]  # a float64 literal with an exponent
    expression = case_expression(leaves)
    assert expression.startswith("case when ") and expression.endswith(" end")
    assert expression.count(" when ") == len(leaves)


def test_fit_does_not_depend_on_row_order() -> None:
    training = customers()
    shuffled = training.sample(frac=1.0, random_state=9)
    first = surrogate_tree_leaves(training, max_depth=3, random_state=1)
    second = surrogate_tree_leaves(shuffled, max_depth=3, random_state=1)
    pd.testing.assert_frame_equal(first, second)


def test_features_with_missing_values_are_left_out() -> None:
    training = customers()
    training["credit_limit"] = np.nan
    training.loc[training.index[:5], "cash_advance"] = np.nan
    leaves = surrogate_tree_leaves(training, max_depth=3, random_state=0)
    assert not leaves["predicate_sql"].str.contains("credit_limit|cash_advance").any()


def test_one_segment_gives_one_leaf_for_everybody() -> None:
    training = customers().assign(segment_id=2)
    leaves = surrogate_tree_leaves(training, max_depth=3, random_state=0)
    assert len(leaves) == 1
    assert leaves.loc[0, "predicate_sql"] == ALWAYS_TRUE
    assert leaves.loc[0, "rule_condition"] == "all customers"
    assert (evaluate_in_duckdb(case_expression(leaves), training) == 2).all()


def test_empty_input_and_bad_settings() -> None:
    empty = surrogate_tree_leaves(customers().head(0), max_depth=3, random_state=0)
    assert empty.empty and list(empty.columns) == list(LEAF_COLUMNS)
    with pytest.raises(ModelInputError, match="max_depth"):
        fit_surrogate_tree(customers(), FEATURES, max_depth=0, random_state=0)
    with pytest.raises(ModelInputError, match="identifiers"):
        tree_leaves(
            fit_surrogate_tree(customers(), FEATURES, max_depth=1, random_state=0),
            customers().rename(columns={"tenure": "Tenure; drop"}),
            ["purchases", "cash_advance", "Tenure; drop"],
        )
