"""Understanding the segments (issue 11): Cohen's d in segment_explanations, the distinguishing
features personas cite, the surrogate tree's rules and fidelity, and the assignment
confidence columns - each checked against an independent pandas / NumPy / scikit-learn
computation on CC GENERAL (notebook-compatible build) and on the bundled sample."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier

from customer_segmentation.schema import CC_GENERAL_FEATURES, sql_name

FEATURES = [sql_name(c) for c in CC_GENERAL_FEATURES]
RTOL = 1e-9
PROJECT_DIR = Path(__file__).resolve().parents[2]


def documented_sql_blocks() -> list[str]:
    """Every ```sql block of README.md, then of docs/**/*.md (the documented-commands order)."""
    pages = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").rglob("*.md"))]
    return [
        block for page in pages for block in re.findall(r"```sql\n(.*?)```", page.read_text(), re.S)
    ]


def readme_sql(marker: str) -> str:
    """The first documented ```sql block (README, docs/) that contains `marker` (docs stay
    executable)."""
    matching = [block for block in documented_sql_blocks() if marker in block]
    assert matching, f"no sql block of README.md or docs/ contains {marker!r}"
    return matching[0]


def pandas_cohens_d(features: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Cohen's d of every segment against all other customers, the textbook way: sample
    variances (ddof=1) pooled with weights n - 1."""
    rows = []
    for segment in sorted(labels.unique()):
        inside = features[labels == segment]
        rest = features[labels != segment]
        n1, n2 = len(inside), len(rest)
        pooled = np.sqrt(
            ((n1 - 1) * inside.var(ddof=1) + (n2 - 1) * rest.var(ddof=1)) / (n1 + n2 - 2)
        )
        d = (inside.mean() - rest.mean()) / pooled
        for feature in features.columns:
            rows.append(
                {
                    "segment_id": segment,
                    "feature_name": feature,
                    "mean_value": inside[feature].mean(),
                    "other_mean_value": rest[feature].mean(),
                    "stddev_value": inside[feature].std(ddof=1),
                    "other_stddev_value": rest[feature].std(ddof=1),
                    "pooled_stddev": pooled[feature],
                    "cohens_d": d[feature],
                    "n_customers": n1,
                    "n_other_customers": n2,
                }
            )
    return pd.DataFrame(rows).set_index(["segment_id", "feature_name"])


def check_explanations(build, features: pd.DataFrame, labels: pd.Series) -> None:
    expected = pandas_cohens_d(features, labels)
    ours = build.table("segment_explanations").set_index(["segment_id", "feature_name"])
    ours = ours.loc[expected.index]
    for column in expected.columns:
        np.testing.assert_allclose(
            ours[column].astype(float), expected[column].astype(float), rtol=RTOL, err_msg=column
        )
    # rank by |d| within the segment: equal to pandas' order over ALL profile features
    everything = build.table("segment_explanations")
    for segment, rows in everything.groupby("segment_id"):
        order = rows.assign(size=rows["cohens_d"].abs()).sort_values(
            ["size", "feature_name"], ascending=[False, True]
        )
        assert list(order["effect_rank"]) == list(range(1, len(rows) + 1)), segment


def phrase(feature: str, d: float) -> str:
    return f"{feature.replace('_', ' ')} {'+' if d >= 0 else ''}{round(d, 1)} sd"


def check_distinguishing_features(build) -> None:
    explanations = build.table("segment_explanations")
    personas = build.table("segment_personas").set_index("segment_id")
    for segment, rows in explanations.groupby("segment_id"):
        top = rows.sort_values("effect_rank").head(3)
        line = ", ".join(
            phrase(f, d) for f, d in zip(top["feature_name"], top["cohens_d"], strict=True)
        )
        assert personas.loc[segment, "distinguishing_features"] == line
        # the card text says it in plain numbers, not in standard deviations
        assert " sd" not in personas.loc[segment, "description"]


# --- CC GENERAL ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imputed(cc_general_csv: Path) -> pd.DataFrame:
    raw = pd.read_csv(cc_general_csv).rename(columns=sql_name).set_index("customer_id")
    raw = raw[FEATURES].astype(float)
    return raw.fillna(raw.mean())


@pytest.fixture(scope="module")
def segments(cc_general_build) -> pd.DataFrame:
    return cc_general_build.table("customer_segments").set_index("customer_id")


def test_cohens_d_matches_pandas_on_cc_general(cc_general_build, imputed, segments) -> None:
    labels = segments.loc[imputed.index, "segment_id"]
    check_explanations(cc_general_build, imputed, labels)


def test_personas_cite_the_distinguishing_features_on_cc_general(cc_general_build) -> None:
    check_distinguishing_features(cc_general_build)
    personas = cc_general_build.table("segment_personas").set_index("segment_name")
    line = personas.loc["Revolvers / Cash-Advance Reliant", "distinguishing_features"]
    assert line.startswith("cash advance"), line
    print("distinguishing features on CC GENERAL:", dict(personas["distinguishing_features"]))


def test_second_segment_and_margin_match_numpy(cc_general_build, imputed, segments) -> None:
    params = cc_general_build.query(
        "select * from intermediate.int_feature_scaling_parameters"
    ).set_index("feature_name")
    z = (imputed - params.loc[FEATURES, "feature_mean"]) / params.loc[FEATURES, "feature_scale"]
    centers = cc_general_build.query("select * from ml.ml_segment_centroids").pivot(
        index="segment_id", columns="feature_name", values="centroid_value"
    )[FEATURES]
    x = z.loc[segments.index].to_numpy()
    distances = np.sqrt(((x[:, None, :] - centers.to_numpy()[None, :, :]) ** 2).sum(axis=2))
    order = np.argsort(distances, axis=1, kind="stable")  # ties: the lower id first
    ids = centers.index.to_numpy()
    assert (segments["segment_id"].to_numpy() == ids[order[:, 0]]).all()
    assert (segments["second_segment_id"].to_numpy() == ids[order[:, 1]]).all()
    second = np.take_along_axis(distances, order[:, 1:2], axis=1)[:, 0]
    np.testing.assert_allclose(segments["second_distance"], second, rtol=1e-9)
    np.testing.assert_allclose(
        segments["margin"], second - distances.min(axis=1), rtol=1e-7, atol=1e-9
    )
    assert (segments["margin"] >= 0).all()


def test_scoring_macros_return_the_confidence_columns(cc_general_build, cc_general_csv) -> None:
    """The stored segment_customers() table macro and assign_segment give the same second
    segment, second distance and margin as customer_segments."""
    expected = cc_general_build.table("customer_segments")
    with duckdb.connect(str(cc_general_build.database), read_only=True) as con:
        con.execute(
            "create temp table new_customers as select * rename (CUST_ID as customer_id)"
            f" from read_csv('{cc_general_csv}', all_varchar = true)"
        )
        stored = con.sql("select * from segment_customers('new_customers')").df()
    compiled = cc_general_build.dbt(
        ["compile", "--quiet", "--inline", "{{ assign_segment(ref('stg_cc_general__customers')) }}"]
    ).output
    macro = cc_general_build.query(compiled)
    for scored in (stored, macro):
        merged = expected.merge(scored, on="customer_id", suffixes=("", "_sql"), validate="1:1")
        assert len(merged) == 8950
        assert (merged["second_segment_id"] == merged["second_segment_id_sql"]).all()
        for column in ["second_distance", "margin"]:
            np.testing.assert_allclose(merged[column], merged[f"{column}_sql"], rtol=1e-12)


def test_rule_expression_reproduces_scikit_learn_on_cc_general(
    cc_general_build, imputed, segments
) -> None:
    """An independent DecisionTreeClassifier(max_depth=3, random_state=42) on the imputed CSV
    features and the build's labels; the stored SQL case expression, evaluated in DuckDB on
    every customer, gives exactly its predictions; the fidelity table equals pandas."""
    training = imputed.sort_index()  # the fit sample is everybody here (8,950 < 100,000)
    labels = segments.loc[training.index, "segment_id"]
    tree = DecisionTreeClassifier(max_depth=3, random_state=42).fit(training.to_numpy(), labels)
    predicted = pd.Series(tree.predict(training.to_numpy()), index=training.index)

    expression = cc_general_build.query("select * from ml.ml_surrogate_tree_expression")
    assert len(expression) == 1
    case = expression.loc[0, "case_expression"]
    rule_segments = cc_general_build.query(
        f"select customer_id, {case} as rule_segment_id from main.customer_segments"
    ).set_index("customer_id")["rule_segment_id"]
    assert (rule_segments.loc[training.index] == predicted).all()

    rules = cc_general_build.table("segment_rules")
    assert rules["n_training_customers"].sum() == 8950
    assert len(rules) == tree.get_n_leaves()
    check_rules_against_tree(rules, tree, training, labels)

    fidelity = cc_general_build.table("segment_rule_fidelity").set_index("segment_id")
    agree = predicted == labels
    overall = agree.mean()
    assert fidelity["overall_fidelity"].iloc[0] == pytest.approx(overall, rel=RTOL)
    per_segment = agree.groupby(labels).mean()
    for segment, value in per_segment.items():
        assert fidelity.loc[segment, "fidelity"] == pytest.approx(value, rel=RTOL)
        assert fidelity.loc[segment, "n_rule_customers"] == (predicted == segment).sum()
    names = fidelity["segment_name"]
    print(
        f"surrogate tree depth 3 on CC GENERAL: overall fidelity {overall:.4f}; per segment "
        + ", ".join(f"{names[s]} {v:.4f}" for s, v in per_segment.items())
    )
    print(rules[["rule_text", "n_training_customers", "training_precision"]].to_string())
    assert overall > 0.8


# --- bundled sample -------------------------------------------------------------------------


def test_cohens_d_and_rules_on_the_sample(sample_build) -> None:
    segments = sample_build.table("customer_segments").set_index("customer_id")
    check_explanations(sample_build, segments[FEATURES], segments["segment_id"])
    check_distinguishing_features(sample_build)
    fidelity = sample_build.table("segment_rule_fidelity")
    assert fidelity["n_customers"].sum() == fidelity["n_rule_customers"].sum() == len(segments)
    assert fidelity["overall_fidelity"].iloc[0] == pytest.approx(
        fidelity["n_agreeing"].sum() / len(segments)
    )
    # training rows: the whole sample (5,000 < fit_sample_size); SQL equals scikit-learn
    training = sample_build.query("select * from ml.ml_surrogate_tree_training").set_index(
        "customer_id"
    )
    training = training.sort_index()
    tree = DecisionTreeClassifier(max_depth=3, random_state=42).fit(
        training[FEATURES].to_numpy(), training["segment_id"]
    )
    case = sample_build.query("select * from ml.ml_surrogate_tree_expression").loc[
        0, "case_expression"
    ]
    rule_segments = sample_build.query(
        f"select customer_id, {case} as s from ml.ml_surrogate_tree_training order by customer_id"
    )
    assert (rule_segments["s"].to_numpy() == tree.predict(training[FEATURES].to_numpy())).all()
    check_rules_against_tree(
        sample_build.table("segment_rules"), tree, training[FEATURES], training["segment_id"]
    )


@pytest.mark.parametrize(
    "marker",
    [
        "from segment_explanations",
        "from segment_rules order",
        "from segment_rule_fidelity",
        "share_on_border",
        "as second_segment",
    ],
)
def test_readme_queries_run_on_the_sample(sample_build, marker: str) -> None:
    assert len(sample_build.query(readme_sql(marker))) > 0


RULE_TERM = re.compile(r"^([a-z_]+) (>|<=) (-?[0-9,]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)$")


def tree_paths(tree: DecisionTreeClassifier) -> dict[int, list[tuple[int, str, float]]]:
    """Leaf node id -> the tests on its path, read from scikit-learn's tree structure."""
    nodes = tree.tree_
    paths: dict[int, list[tuple[int, str, float]]] = {}
    stack: list[tuple[int, list[tuple[int, str, float]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        left, right = nodes.children_left[node], nodes.children_right[node]
        if left == right:
            paths[node] = path
            continue
        test = (int(nodes.feature[node]), float(nodes.threshold[node]))
        stack += [(int(left), [*path, (*test[:1], "<=", test[1])])]
        stack += [(int(right), [*path, (*test[:1], ">", test[1])])]
    return paths


def check_rules_against_tree(
    rules: pd.DataFrame, tree: DecisionTreeClassifier, training: pd.DataFrame, labels: pd.Series
) -> None:
    """Each rule's text, parsed, states its leaf's path in scikit-learn's tree (tightest bound
    per feature and side, thresholds to 3 significant digits) and names the segment the leaf
    predicts; evaluated on the training rows, the parsed text selects the leaf's customers
    (up to the rounding of the thresholds); its training precision is the leaf's share of
    customers in that segment."""
    x = training[FEATURES].to_numpy(dtype=np.float64)
    leaf_of_row = pd.Series(tree.apply(x), index=training.index)
    names = rules.drop_duplicates("segment_id").set_index("segment_id")["segment_name"]
    paths = tree_paths(tree)
    assert sorted(rules["leaf_id"]) == sorted(paths)
    for rule in rules.itertuples():
        condition, name = rule.rule_text.split(" → ")
        leaf_segment = tree.classes_[int(np.argmax(tree.tree_.value[rule.leaf_id, 0]))]
        assert rule.segment_id == leaf_segment and name == names[leaf_segment], rule.rule_text
        expected: dict[tuple[str, str], float] = {}
        for feature, operator, threshold in paths[rule.leaf_id]:
            key = (FEATURES[feature], operator)
            keep = max if operator == ">" else min
            expected[key] = keep(expected.get(key, threshold), threshold)
        parsed: dict[tuple[str, str], float] = {}
        selected = pd.Series(True, index=training.index)
        for term in [] if condition == "all customers" else condition.split(" and "):
            match = RULE_TERM.match(term)
            assert match, (term, rule.rule_text)
            feature, operator, number = match.groups()
            value = float(number.replace(",", ""))
            parsed[(feature, operator)] = value
            column = training[feature]
            selected &= (column > value) if operator == ">" else (column <= value)
        assert parsed.keys() == expected.keys(), rule.rule_text
        for key, threshold in expected.items():
            assert parsed[key] == pytest.approx(float(f"{threshold:.3g}"), rel=1e-12), key
        in_leaf = leaf_of_row == rule.leaf_id
        assert (selected & in_leaf).sum() >= 0.95 * in_leaf.sum(), rule.rule_text
        agreeing = (labels.loc[in_leaf[in_leaf].index] == leaf_segment).sum()
        assert rule.n_training_customers == in_leaf.sum()
        if in_leaf.sum():
            assert rule.training_precision == pytest.approx(agreeing / in_leaf.sum(), rel=1e-12)
