from __future__ import annotations

import operator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.generator import generate_customers
from customer_segmentation.personas import (
    MAINSTREAM,
    UNMATCHED,
    PersonaConfigError,
    choose_catalogue,
    format_value,
    greedy_assignment,
    name_segments,
    parse_conditions,
    quality_word,
    violated_conditions,
)
from customer_segmentation.schema import CC_GENERAL_FEATURES, sql_name

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
CATALOGUE = pd.read_csv(SEEDS / "persona_catalogue.csv")
RULES = pd.read_csv(SEEDS / "persona_rules.csv")
CONDITIONS = pd.read_csv(SEEDS / "persona_conditions.csv")
NO_SEPARATION = pd.DataFrame(
    columns=["segment_id", "mean_silhouette", "nearest_segment_id", "separation_ratio"]
)
OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def feature_means_from_customers(customers: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """ml_segment_feature_means computed with pandas from customer rows (population sd)."""
    overall_mean = customers.mean()
    overall_sd = customers.std(ddof=0).replace(0, 1.0)
    segment_means = customers.groupby(labels.to_numpy()).mean()
    sizes = labels.value_counts()
    rows = []
    for segment_id, means in segment_means.iterrows():
        for feature, value in means.items():
            rows.append(
                {
                    "segment_id": int(segment_id),
                    "feature_name": feature,
                    "n_customers": int(sizes[segment_id]),
                    "mean_value": float(value),
                    "mean_standardized_value": float(
                        (value - overall_mean[feature]) / overall_sd[feature]
                    ),
                    "overall_mean_value": float(overall_mean[feature]),
                }
            )
    return pd.DataFrame(rows)


def toy_means(z: dict[int, dict[str, float]], sizes: dict[int, int]) -> pd.DataFrame:
    """Feature means where mean_value = z (overall mean 0), as the old SQL unit tests had."""
    return pd.DataFrame(
        [
            {
                "segment_id": segment_id,
                "feature_name": feature,
                "n_customers": sizes[segment_id],
                "mean_value": value,
                "mean_standardized_value": value,
                "overall_mean_value": 0.0,
            }
            for segment_id, features in z.items()
            for feature, value in features.items()
        ]
    )


TOY_CATALOGUE = pd.DataFrame(
    {
        "catalogue": ["credit_card", "credit_card", "any", "any"],
        "persona_name": ["A", "B", MAINSTREAM, UNMATCHED],
        "summary": ["Summary A.", "Summary B.", "Average.", "No persona."],
        "recommendation": ["Do A.", "Do B.", "Standard.", "Look."],
    }
)
TOY_RULES = pd.DataFrame(
    {"persona_name": ["A", "B", "B"], "feature_name": ["x", "y", "z"], "weight": [1.0, 2.0, -0.5]}
)


def condition_rows(rows: list[tuple]) -> pd.DataFrame:
    columns = ["persona_name", "numerator", "denominator", "operator", "reference", "threshold"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["unit"] = "ratio"
    frame["statement"] = frame["numerator"] + " {value} (average {average})"
    return frame


def name_toy(z, sizes, conditions, **kwargs) -> pd.DataFrame:
    return name_segments(
        toy_means(z, sizes),
        TOY_CATALOGUE,
        TOY_RULES,
        conditions,
        NO_SEPARATION,
        fitted_features=["x", "y", "z"],
        requested_catalogue="credit_card",
        **kwargs,
    ).set_index("segment_id")


TOY_Z = {
    1: {"x": 1.0, "y": 0.8, "z": 0.0},
    2: {"x": 2.0, "y": 0.1, "z": 0.0},
    3: {"x": 0.1, "y": 0.0, "z": 0.2},
    4: {"x": 0.0, "y": -0.3, "z": -1.5},
}
TOY_SIZES = {1: 40, 2: 30, 3: 20, 4: 10}


def test_greedy_assignment_and_names_from_data() -> None:
    """Segment 2 fits A best of all pairs; segment 1 also fits A best but takes B; segment 3
    deviates at most 0.2 sd (Mainstream); segment 4 is named from its two largest deviations."""
    conditions = condition_rows(
        [("A", "x", None, ">", "average", None), ("B", "y", None, ">", "average", None)]
    )
    named = name_toy(TOY_Z, TOY_SIZES, conditions)
    assert named["segment_name"].to_dict() == {1: "B", 2: "A", 3: MAINSTREAM, 4: "Low z, low y"}
    assert named["persona_name"].to_dict() == {1: "B", 2: "A", 3: MAINSTREAM, 4: UNMATCHED}
    assert named.loc[2, "persona_score"] == pytest.approx(2.0)
    assert named.loc[1, "persona_score"] == pytest.approx((2 * 0.8 - 0.5 * 0.0) / 2.5)
    assert named.loc[1, "description"].startswith("Summary B. In numbers: y 0.80 (average 0.00).")
    assert named["conditions_checked"].to_dict() == {1: 1, 2: 1, 3: 0, 4: 0}
    total = sum(TOY_SIZES.values())
    shares = {segment_id: size / total for segment_id, size in TOY_SIZES.items()}
    assert named["share_of_customers"].to_dict() == pytest.approx(shares, abs=0.0)


def test_a_failed_condition_hands_the_segment_to_the_next_persona() -> None:
    """B asks for z above average: segment 1 (z = 0) cannot be B although B scores 0.64, and
    no other persona is free, so it is named from its data."""
    conditions = condition_rows(
        [("A", "x", None, ">", "average", None), ("B", "z", None, ">", "average", None)]
    )
    named = name_toy(TOY_Z, TOY_SIZES, conditions)
    assert named.loc[2, "persona_name"] == "A"
    assert named.loc[1, "persona_name"] == UNMATCHED
    assert named.loc[1, "segment_name"] == "High x, high y"
    # with B's condition met instead, B names it: the condition, not the score, decided
    conditions.loc[1, "operator"] = "<="
    assert name_toy(TOY_Z, TOY_SIZES, conditions).loc[1, "persona_name"] == "B"


def test_repeated_names_are_numbered_by_deviation() -> None:
    z = {
        1: {"x": 0.1, "y": 0.1, "z": 0.0},
        2: {"x": -0.2, "y": 0.0, "z": 0.0},
        3: {"x": 0.0, "y": -0.6, "z": 1.0},
        4: {"x": -0.1, "y": -1.0, "z": 2.0},
    }
    conditions = condition_rows(
        [("A", "x", None, ">", "value", 5.0), ("B", "y", None, ">", "value", 5.0)]
    )
    named = name_toy(z, dict.fromkeys(z, 10), conditions)
    assert named["segment_name"].to_dict() == {
        1: f"{MAINSTREAM} (2)",
        2: MAINSTREAM,
        3: "High z, low y (2)",
        4: "High z, low y",
    }


def test_ratio_conditions_and_a_zero_denominator() -> None:
    z = {1: {"x": 3.0, "y": 1.0, "z": 0.0}, 2: {"x": -3.0, "y": -1.0, "z": 0.0}}
    never_b = ("B", "y", None, ">", "value", 100.0)
    ratio = condition_rows([("A", "x", "x+y", ">=", "value", 0.75), never_b])
    named = name_toy(z, {1: 5, 2: 5}, ratio, min_score=-10.0)
    assert named.loc[1, "persona_name"] == "A"  # 3 / (3 + 1) = 0.75
    assert "x 0.75 (average" in named.loc[1, "description"]
    zero = condition_rows([("A", "x", "z", ">", "value", 0.0), never_b])  # z's mean is 0: undefined
    assert (name_toy(z, {1: 5, 2: 5}, zero, min_score=-10.0)["persona_name"] != "A").all()


def test_no_cap_below_fifty_segments() -> None:
    """50 segments, 50 personas, each fitting exactly one segment: all 50 are named."""
    n = 50
    features = [f"f{i}" for i in range(n)]
    z = {s + 1: {f: (3.0 if i == s else 0.0) for i, f in enumerate(features)} for s in range(n)}
    catalogue = pd.DataFrame(
        {
            "catalogue": ["credit_card"] * n + ["any", "any"],
            "persona_name": [f"P{i}" for i in range(n)] + [MAINSTREAM, UNMATCHED],
            "summary": ["s"] * (n + 2),
            "recommendation": ["r"] * (n + 2),
        }
    )
    rules = pd.DataFrame({"persona_name": [f"P{i}" for i in range(n)], "feature_name": features})
    rules["weight"] = 1.0
    conditions = condition_rows(
        [(f"P{i}", f, None, ">", "value", 1.0) for i, f in enumerate(features)]
    )
    named = name_segments(
        toy_means(z, dict.fromkeys(z, 10)),
        catalogue,
        rules,
        conditions,
        NO_SEPARATION,
        features,
        "credit_card",
    ).set_index("segment_id")
    assert named["persona_name"].to_dict() == {s + 1: f"P{s}" for s in range(n)}


def test_greedy_assignment_prefers_the_best_pair_and_breaks_ties_by_id() -> None:
    pairs = [(1, "A", 1.0), (2, "A", 1.0), (2, "B", 0.5), (1, "B", 0.9)]
    assert greedy_assignment(pairs) == {1: ("A", 1.0), 2: ("B", 0.5)}


def test_quality_words() -> None:
    assert quality_word(0.6, 2.5, "Two") == "distinct"
    assert quality_word(0.3, 1.3, "Two") == "overlaps with Two"
    assert quality_word(0.6, 1.9, "Two") == "overlaps with Two"
    assert quality_word(0.05, 3.0, "Two") == "weak"
    assert quality_word(-0.01, 1.1, "Two") == "weak"
    assert quality_word(None, 2.0, "Two") == "distinct"
    assert quality_word(None, None, None) == "single segment"


def test_numbers_read_plainly() -> None:
    assert format_value(0.2349, "percent") == "23%"
    assert format_value(-0.001, "percent") == "0%"
    assert format_value(-0.0004, "ratio") == "0.00"
    assert format_value(1234.5, "amount") == "1,234"
    assert format_value(45.2, "days") == "45 days"
    assert format_value(11.54, "months") == "11.5 months"
    assert format_value(None, "amount") == "n/a"


def test_catalogue_choice() -> None:
    card = ["balance", "purchases", "cash_advance", "credit_limit", "tenure"]
    retail = ["recency_days", "frequency", "monetary", "purchases_frequency", "tenure"]
    assert choose_catalogue("auto", RULES, CATALOGUE, card) == "credit_card"
    assert choose_catalogue("auto", RULES, CATALOGUE, retail) == "retail"
    assert choose_catalogue("retail", RULES, CATALOGUE, card) == "retail"
    with pytest.raises(PersonaConfigError, match="var 'persona_catalogue' must be"):
        choose_catalogue("grocery", RULES, CATALOGUE, card)


def test_bad_seeds_are_named() -> None:
    conditions = condition_rows([("A", "x", None, "=>", "average", None)])
    with pytest.raises(PersonaConfigError, match="operator '=>'"):
        name_toy(TOY_Z, TOY_SIZES, conditions)
    only_a = condition_rows([("A", "x", None, ">", "average", None)])
    with pytest.raises(PersonaConfigError, match="B have no row in seeds/persona_conditions"):
        name_toy(TOY_Z, TOY_SIZES, only_a)


def test_every_catalogue_persona_declares_conditions() -> None:
    named = set(CATALOGUE.loc[CATALOGUE["catalogue"] != "any", "persona_name"])
    assert named == set(CONDITIONS["persona_name"]) == set(RULES["persona_name"])


# --- the real catalogue ------------------------------------------------------------------


CONDITION_RECORDS = CONDITIONS.to_dict(orient="records")


def independent_violations(named: pd.DataFrame, means: pd.DataFrame) -> list[str]:
    """Re-check every chosen persona's seed conditions, written out with plain dicts."""
    wide = means.pivot(index="segment_id", columns="feature_name", values="mean_value")
    segment = wide.to_dict(orient="index")
    overall = means.groupby("feature_name")["overall_mean_value"].first().to_dict()
    problems = []
    for segment_id, persona in zip(named["segment_id"], named["persona_name"], strict=True):
        for cond in CONDITION_RECORDS:
            if cond["persona_name"] != persona:
                continue
            parts = [] if pd.isna(cond["denominator"]) else str(cond["denominator"]).split("+")
            seg = segment[segment_id]
            value = seg[cond["numerator"]] / (sum(seg[p] for p in parts) if parts else 1.0)
            base = overall[cond["numerator"]] / (sum(overall[p] for p in parts) if parts else 1.0)
            reference = base if cond["reference"] == "average" else cond["threshold"]
            if not OPS[cond["operator"]](value, reference):
                problems.append(f"{segment_id} {persona} {cond['numerator']}")
    return problems


def random_profiles(rng: np.random.Generator, features: list[str]) -> pd.DataFrame:
    """Random customers (non-negative, skewed, some features zero) in 1..50 random segments."""
    n_segments = int(rng.integers(1, 51))
    n = int(rng.integers(n_segments * 5, n_segments * 40))
    labels = pd.Series(rng.integers(1, n_segments + 1, size=n))
    scale = rng.lognormal(0, 1.5, size=(n_segments + 1, len(features)))
    data = rng.exponential(1.0, size=(n, len(features))) * scale[labels.to_numpy()]
    data[rng.random(size=data.shape) < 0.2] = 0.0
    return feature_means_from_customers(pd.DataFrame(data, columns=features), labels)


@pytest.mark.parametrize("catalogue", ["credit_card", "retail"])
def test_property_no_chosen_persona_violates_its_conditions(catalogue: str) -> None:
    features = sorted(set(RULES["feature_name"]) | set(CONDITIONS["numerator"]))
    rng = np.random.default_rng(20261130)
    n_named = 0
    for _ in range(40):
        means = random_profiles(rng, features)
        named = name_segments(
            means,
            CATALOGUE,
            RULES,
            CONDITIONS,
            NO_SEPARATION,
            features,
            catalogue,
            min_score=float(rng.choice([-1.0, 0.0, 0.25])),
        )
        assert independent_violations(named, means) == []
        assert violated_conditions(named, means, CONDITIONS) == []
        assert named["segment_name"].is_unique
        assert len(named) == means["segment_id"].nunique()
        assert set(named["persona_catalogue"]) == {catalogue}
        n_named += int((~named["persona_name"].isin([MAINSTREAM, UNMATCHED])).sum())
    assert n_named > 30  # the loop exercised persona names, not only fallbacks


def test_the_generator_archetypes_get_their_personas() -> None:
    customers = generate_customers(5000, seed=42)
    features = [sql_name(c) for c in CC_GENERAL_FEATURES]
    frame = customers[list(CC_GENERAL_FEATURES)].fillna(0.0)
    frame.columns = features
    codes = {name: i + 1 for i, name in enumerate(sorted(customers["archetype"].unique()))}
    labels = customers["archetype"].map(codes)
    means = feature_means_from_customers(frame, labels)
    named = name_segments(means, CATALOGUE, RULES, CONDITIONS, NO_SEPARATION, features)
    by_archetype = {
        a: named.set_index("segment_id").loc[c, "segment_name"] for a, c in codes.items()
    }
    assert by_archetype == {
        "installment": "Installment Everyday Users",
        "low_activity": "Low Activity, Cash-Leaning",
        "revolver": "Revolvers / Cash-Advance Reliant",
        "transactor": "High-Value Transactors",
    }
    assert independent_violations(named, means) == []
    assert set(named["persona_catalogue"]) == {"credit_card"}


def test_retail_catalogue_names_purchase_only_groups() -> None:
    """Six hand-made shopper groups with only ledger features: auto picks the retail catalogue
    and each group gets the persona written for it."""
    rng = np.random.default_rng(7)
    groups = {  # recency, occasions, spend, months share, tenure, categories, diversity
        "champions": (5, 40, 4000, 0.8, 12, 5, 0.6),
        "regulars": (25, 14, 900, 0.9, 24, 3, 0.4),
        "big_basket": (60, 3, 1500, 0.2, 12, 2, 0.3),
        "explorers": (40, 8, 700, 0.4, 12, 12, 0.9),
        "lapsing": (300, 4, 300, 0.1, 18, 2, 0.3),
        "new": (20, 3, 250, 0.4, 2, 2, 0.3),
    }
    features = [
        "recency_days",
        "frequency",
        "monetary",
        "purchases_frequency",
        "tenure",
        "n_distinct_categories",
        "diversity_score",
    ]
    rows, labels = [], []
    for code, profile in enumerate(groups.values(), start=1):
        noise = rng.normal(1.0, 0.05, size=(200, len(features)))
        rows.append(np.asarray(profile, dtype=float) * noise)
        labels += [code] * 200
    customers = pd.DataFrame(np.vstack(rows), columns=features)
    means = feature_means_from_customers(customers, pd.Series(labels))
    named = name_segments(means, CATALOGUE, RULES, CONDITIONS, NO_SEPARATION, features)
    names = dict(zip(groups, named.sort_values("segment_id")["segment_name"], strict=True))
    assert names == {
        "champions": "Champions",
        "regulars": "Loyal Regulars",
        "big_basket": "Big-Basket Occasional",
        "explorers": "Category Explorers",
        "lapsing": "Lapsing",
        "new": "New Shoppers",
    }
    assert set(named["persona_catalogue"]) == {"retail"}
    assert independent_violations(named, means) == []
    big = customers[np.asarray(labels) == 3].mean()
    spend = f"spend {big['monetary'] / big['frequency']:,.0f} per purchase occasion"
    assert spend in named.set_index("segment_id").loc[3, "description"]


def test_empty_input_gives_typed_empty_output() -> None:
    empty = toy_means({}, {}).reindex(
        columns=[
            "segment_id",
            "feature_name",
            "n_customers",
            "mean_value",
            "mean_standardized_value",
            "overall_mean_value",
        ]
    )
    named = name_segments(empty, CATALOGUE, RULES, CONDITIONS, NO_SEPARATION, [])
    assert named.empty
    assert str(named["segment_id"].dtype) == "int64" and named["quality"].dtype == "str"


def test_an_empty_denominator_written_as_none_by_spark_seeds_is_empty() -> None:
    """dbt-spark's session seeds store an empty CSV cell as the text 'None': it must read as no
    denominator (a plain comparison with the average), exactly like a missing value."""
    frame = pd.DataFrame(
        {
            "persona_name": ["P", "P"],
            "numerator": ["purchases", "purchases"],
            "denominator": [None, "None"],
            "operator": [">", ">"],
            "reference": ["average", "average"],
            "threshold": [float("nan"), float("nan")],
            "unit": ["amount", "amount"],
            "statement": ["spend {value}", "spend {value}"],
        }
    )
    missing, spark_none = parse_conditions(frame)
    assert missing.denominator == spark_none.denominator == ()
