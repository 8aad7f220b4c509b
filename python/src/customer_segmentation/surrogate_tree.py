"""Surrogate decision tree: readable rules that approximate the k-means segments.

A shallow scikit-learn ``DecisionTreeClassifier`` is trained on the raw (imputed) features to
predict each customer's segment. Every leaf becomes one rule ("purchases > 1,850 and
cash_advance <= 420") and an exact SQL predicate; the leaves together compile to one SQL
``case when`` expression that the warehouse evaluates on every customer.

Exactness. scikit-learn casts ``X`` to float32 before fitting and predicting and compares
``float32(x) <= threshold`` with a float64 threshold. A SQL engine compares the float64 value
``x``. Because rounding to float32 is monotonic, ``float32(x) <= t`` holds exactly for the
float64 values ``x <= b`` for one float64 bound ``b`` (:func:`float64_bound`), so the SQL
predicate uses ``b``, written as a float64 literal with an exponent (``1850.4999999999998e0``),
which DuckDB and Spark parse as a double, correctly rounded. The SQL then gives the tree's
prediction for every float64 input, bit for bit.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from customer_segmentation.clustering import ID_COLUMN, ModelInputError
from customer_segmentation.sklearn_import import DecisionTreeClassifier

LABEL_COLUMN = "segment_id"

LEAF_COLUMNS = {
    "leaf_id": "int64",
    "depth": "int64",
    "segment_id": "int64",
    "n_training_customers": "int64",
    "n_training_agreeing": "int64",
    "rule_condition": "string",
    "predicate_sql": "string",
}

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
#: The predicate of a root-only tree (one leaf for everybody).
ALWAYS_TRUE = "1 = 1"


def float64_bound(threshold: float) -> float:
    """The largest float64 ``b`` with ``float32(b) <= threshold``.

    For every float64 ``x``: ``float32(x) <= threshold`` (scikit-learn's test) if and only if
    ``x <= b``, because rounding to the nearest float32 is monotonic.
    """
    t = float(threshold)
    if not np.isfinite(t):
        raise ModelInputError(f"tree threshold must be finite, got {threshold!r}")
    below = np.float32(t)
    if float(below) > t:
        below = np.nextafter(below, np.float32(-np.inf))
    above = np.nextafter(below, np.float32(np.inf))
    if not np.isfinite(above):
        return float(np.finfo(np.float64).max)
    # halfway between two adjacent float32 values; exact in float64
    bound = (float(below) + float(above)) / 2.0
    # round half to even: the midpoint itself rounds down only to an even mantissa
    if int(np.array(below, dtype=np.float32).view(np.uint32)) & 1:
        bound = float(np.nextafter(bound, -np.inf))
    # guard against any corner case (signed zeros, subnormals): step to the exact bound
    while float(np.float32(bound)) > t:
        bound = float(np.nextafter(bound, -np.inf))
    while float(np.float32(np.nextafter(bound, np.inf))) <= t:
        bound = float(np.nextafter(bound, np.inf))
    return bound


def sql_double(value: float) -> str:
    """A float64 as a SQL double literal that parses back to exactly the same value:
    the shortest round-trip digits with an exponent (``0.25e0``, ``3e-07``)."""
    if not np.isfinite(value):
        raise ModelInputError(f"cannot write {value!r} as a SQL literal")
    text = repr(float(value))
    return text if "e" in text else text + "e0"


def readable_number(value: float) -> str:
    """Three significant digits, thousands separators: 1849.6 -> '1,850', 0.08333 -> '0.0833'."""
    rounded = float(f"{value:.3g}")
    if rounded == int(rounded):
        return f"{int(rounded):,}"
    return f"{rounded:.15g}"  # below 100: no thousands separator needed


def _check_features(features: list[str]) -> None:
    bad = [name for name in features if not _IDENTIFIER.match(name)]
    if bad:
        raise ModelInputError(f"feature names must be lowercase SQL identifiers, got {bad}")


def fit_surrogate_tree(
    training: pd.DataFrame,
    features: list[str],
    max_depth: int,
    random_state: int,
) -> DecisionTreeClassifier:
    """Fit the surrogate tree on ``training`` (``features`` and ``segment_id``), rows in
    ``customer_id`` order so the fit does not depend on the order rows arrive in."""
    if max_depth < 1:
        raise ModelInputError(f"max_depth must be at least 1, got {max_depth}")
    if training.empty:
        raise ModelInputError("no training rows for the surrogate tree")
    _check_features(features)
    ordered = training.sort_values(ID_COLUMN, kind="stable") if ID_COLUMN in training else training
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=random_state)
    tree.fit(ordered[features].to_numpy(dtype=np.float64), ordered[LABEL_COLUMN].to_numpy())
    return tree


def _paths(tree: DecisionTreeClassifier) -> dict[int, list[tuple[int, str, float]]]:
    """Leaf node id -> the (feature index, '<=' or '>', threshold) tests on its path."""
    structure = tree.tree_
    paths: dict[int, list[tuple[int, str, float]]] = {}
    stack: list[tuple[int, list[tuple[int, str, float]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf (both -1)
            paths[node] = path
            continue
        feature, threshold = int(structure.feature[node]), float(structure.threshold[node])
        stack.append((int(right), [*path, (feature, ">", threshold)]))
        stack.append((int(left), [*path, (feature, "<=", threshold)]))
    return paths


def _merged_bounds(
    path: list[tuple[int, str, float]],
) -> list[tuple[int, float | None, float | None]]:
    """Per feature (in order of first test): the tightest lower (>) and upper (<=) threshold."""
    bounds: dict[int, list[float | None]] = {}
    for feature, operator, threshold in path:
        low, high = bounds.setdefault(feature, [None, None])
        if operator == ">":
            bounds[feature][0] = threshold if low is None else max(low, threshold)
        else:
            bounds[feature][1] = threshold if high is None else min(high, threshold)
    return [(feature, low, high) for feature, (low, high) in bounds.items()]


def _condition(bounds: list[tuple[int, float | None, float | None]], features: list[str]) -> str:
    parts = []
    for feature, low, high in bounds:
        if low is not None:
            parts.append(f"{features[feature]} > {readable_number(low)}")
        if high is not None:
            parts.append(f"{features[feature]} <= {readable_number(high)}")
    return " and ".join(parts) if parts else "all customers"


def _predicate(bounds: list[tuple[int, float | None, float | None]], features: list[str]) -> str:
    parts = []
    for feature, low, high in bounds:
        if low is not None:
            parts.append(f"{features[feature]} > {sql_double(float64_bound(low))}")
        if high is not None:
            parts.append(f"{features[feature]} <= {sql_double(float64_bound(high))}")
    return " and ".join(parts) if parts else ALWAYS_TRUE


def tree_leaves(
    tree: DecisionTreeClassifier, training: pd.DataFrame, features: list[str]
) -> pd.DataFrame:
    """One row per leaf (LEAF_COLUMNS), left to right: predicted segment, training customers
    in the leaf and how many of them are in that segment, readable condition (thresholds to
    three significant digits) and the exact SQL predicate."""
    _check_features(features)
    x = training[features].to_numpy(dtype=np.float64)
    leaf_of_row = tree.apply(x)
    agreeing = tree.predict(x) == training[LABEL_COLUMN].to_numpy()
    structure = tree.tree_
    rows = []
    for leaf, path in sorted(_paths(tree).items()):
        in_leaf = leaf_of_row == leaf
        bounds = _merged_bounds(path)
        rows.append(
            {
                "leaf_id": leaf,
                "depth": len(path),
                "segment_id": int(tree.classes_[int(np.argmax(structure.value[leaf, 0]))]),
                "n_training_customers": int(in_leaf.sum()),
                "n_training_agreeing": int((in_leaf & agreeing).sum()),
                "rule_condition": _condition(bounds, features),
                "predicate_sql": _predicate(bounds, features),
            }
        )
    return pd.DataFrame(rows).astype(LEAF_COLUMNS)


def case_expression(leaves: pd.DataFrame) -> str:
    """The whole tree as one SQL expression over the feature columns:
    ``case when <leaf predicate> then <segment> ... end``, leaves in leaf_id order (the
    predicates are disjoint, so the order does not change the result). The warehouse builds
    the same text from the stored leaves (ml_surrogate_tree_expression)."""
    ordered = leaves.sort_values("leaf_id")
    whens = "".join(
        f" when {predicate} then {segment}"
        for predicate, segment in zip(ordered["predicate_sql"], ordered["segment_id"], strict=True)
    )
    return f"case{whens} end"


def surrogate_tree_leaves(
    training: pd.DataFrame, max_depth: int, random_state: int
) -> pd.DataFrame:
    """The dbt model's entry point: ``training`` holds ``customer_id``, ``segment_id`` and the
    raw features (every other column). Features with a missing value are left out (the SQL
    comparison of a NULL would match no leaf); an empty input (``dbt run --empty``) gives no
    leaves."""
    if training.empty:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in LEAF_COLUMNS.items()})
    candidates = [c for c in training.columns if c not in (ID_COLUMN, LABEL_COLUMN)]
    features = [c for c in candidates if training[c].notna().all()]
    if not features:
        raise ModelInputError("the surrogate tree has no feature without missing values")
    ordered = training.sort_values(ID_COLUMN, kind="stable").reset_index(drop=True)
    tree = fit_surrogate_tree(ordered, features, max_depth=max_depth, random_state=random_state)
    return tree_leaves(tree, ordered, features)
