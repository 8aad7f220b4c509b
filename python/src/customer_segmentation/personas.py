"""Persona naming: which catalogue persona names which segment, and only when its profile agrees.

A persona of the catalogue (``seeds/persona_catalogue.csv``) has

* **weights** (``seeds/persona_rules.csv``) that rank how well it fits a segment: the weighted mean
  of the segment's standardized feature means, ``sum(weight * z) / sum(|weight|)``, and
* **conditions** (``seeds/persona_conditions.csv``) that its name and text assert, each a metric of
  the segment (a feature's segment mean, or a ratio of segment means such as
  ``cash_advance / (cash_advance + purchases)``) compared with the same metric over all customers
  (``reference = average``) or with a number (``reference = value``).

A persona may name a segment only when its score reaches ``min_score`` **and** every one of its
conditions holds on the segment. Among the eligible (segment, persona) pairs the best-scoring pair
takes the name, then the best pair among the segments and personas still free, and so on until no
pair is left (no cap: any number of segments). A segment left without a persona is named from its
data: its two largest deviations ("High tenure, low credit limit") when one reaches
``min_deviation`` standard deviations, else "Mainstream Customers". Names stay unique ("Name (2)").

The card text states the conditions with the segment's numbers ("take cash advances in 23% of
months (average 14%)") and the features on which the segment stands out most, so it only says what
the profile supports. Each segment also gets a quality word from the measured cluster quality
(:func:`quality_word`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

#: The catalogues a persona can belong to; ``any`` rows (data-derived names) serve every one.
CATALOGUES: tuple[str, ...] = ("credit_card", "retail")
SHARED_CATALOGUE = "any"
#: Reserved catalogue rows for segments that no persona names.
UNMATCHED = "Unmatched Segment"
MAINSTREAM = "Mainstream Customers"

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
REFERENCES = ("average", "value")
UNITS = ("percent", "amount", "count", "days", "months", "ratio")

#: Quality rule (README "Personas"): a segment is "distinct" when its nearest other centroid is at
#: least DISTINCT_SEPARATION_RATIO times its customers' mean distance to their own centroid and its
#: mean silhouette is at least DISTINCT_SILHOUETTE; "weak" when its mean silhouette is below
#: WEAK_SILHOUETTE (its customers sit about as close to another segment); else it "overlaps with"
#: its nearest segment.
DISTINCT_SEPARATION_RATIO = 2.0
DISTINCT_SILHOUETTE = 0.25
WEAK_SILHOUETTE = 0.10


class PersonaConfigError(ValueError):
    """The persona seeds or settings are inconsistent (the message names the file and the fix)."""


@dataclass(frozen=True)
class Condition:
    """One assertion a persona makes about a segment."""

    persona_name: str
    numerator: str
    denominator: tuple[str, ...]
    op: str
    reference: str
    threshold: float | None
    unit: str
    statement: str

    @property
    def features(self) -> tuple[str, ...]:
        return (self.numerator, *self.denominator)


@dataclass(frozen=True)
class ConditionResult:
    """A condition evaluated on one segment."""

    condition: Condition
    value: float | None
    average: float | None
    holds: bool

    def sentence(self) -> str:
        """The statement with the segment's numbers filled in."""
        unit = self.condition.unit
        return self.condition.statement.format(
            value=format_value(self.value, unit),
            average=format_value(self.average, unit),
            threshold=format_value(self.condition.threshold, unit),
        )


def format_value(value: float | None, unit: str) -> str:
    """A number as a marketer reads it: 23%, 1,234, 45 days, 11.5 months; never "-0"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "percent":
        text = f"{value:.0%}"
    elif unit == "amount":
        text = f"{value:,.0f}"
    elif unit == "days":
        text = f"{value:,.0f} days"
    elif unit == "months":
        text = f"{value:.1f} months"
    elif unit == "count":
        text = f"{value:,.1f}"
    else:
        text = f"{value:.2f}"
    number = text.split(" ")[0]
    if number.startswith("-") and set(number[1:]) <= set("0.,%"):
        return text[1:]  # a negative number that rounds to zero reads as 0
    return text


def feature_unit(feature: str) -> str:
    """The unit a feature's mean is shown in (frequencies and shares as percentages)."""
    if feature.endswith("_frequency") or feature.startswith("prc_") or feature == "limit_usage":
        return "percent"
    if feature in {"tenure"}:
        return "months"
    if feature.endswith("_days"):
        return "days"
    if feature.endswith("_trx") or feature in {
        "frequency",
        "n_distinct_categories",
        "recency_score",
        "frequency_score",
        "monetary_score",
    }:
        return "count"
    if feature.endswith("_ratio") or feature == "diversity_score":
        return "ratio"
    return "amount"


def parse_conditions(frame: pd.DataFrame) -> list[Condition]:
    """Validate ``seeds/persona_conditions.csv`` rows into conditions."""
    conditions = []
    for row in frame.itertuples(index=False):
        where = f"seeds/persona_conditions.csv, persona '{row.persona_name}'"
        op = str(row.operator).strip()
        if op not in OPERATORS:
            raise PersonaConfigError(
                f"{where}: operator '{op}' is not one of {', '.join(OPERATORS)}"
            )
        reference = str(row.reference).strip()
        if reference not in REFERENCES:
            raise PersonaConfigError(
                f"{where}: reference '{reference}' must be 'average' or 'value'"
            )
        threshold = None if pd.isna(row.threshold) else float(row.threshold)
        if reference == "value" and threshold is None:
            raise PersonaConfigError(f"{where}: reference 'value' needs a threshold")
        unit = str(row.unit).strip()
        if unit not in UNITS:
            raise PersonaConfigError(f"{where}: unit '{unit}' must be one of {', '.join(UNITS)}")
        # an empty cell: missing, or the text 'None' that dbt-spark's session seeds write for it
        denominator_text = "" if pd.isna(row.denominator) else str(row.denominator)
        denominator_text = "" if denominator_text.strip() == "None" else denominator_text
        denominator = tuple(part.strip() for part in denominator_text.split("+") if part.strip())
        conditions.append(
            Condition(
                persona_name=str(row.persona_name),
                numerator=str(row.numerator).strip(),
                denominator=denominator,
                op=op,
                reference=reference,
                threshold=threshold,
                unit=unit,
                statement=str(row.statement),
            )
        )
    return conditions


def _ratio(means: Mapping[str, float], condition: Condition) -> float | None:
    values = [means.get(feature) for feature in condition.features]
    if any(v is None or math.isnan(v) for v in values):
        return None
    numerator = float(values[0])  # type: ignore[arg-type]
    if not condition.denominator:
        return numerator
    denominator = sum(float(v) for v in values[1:])  # type: ignore[arg-type]
    return None if denominator == 0 else numerator / denominator


def evaluate_condition(
    condition: Condition, segment_means: Mapping[str, float], overall_means: Mapping[str, float]
) -> ConditionResult:
    """The condition on one segment: its metric, the average customer's, and whether it holds.

    A metric that cannot be computed (a feature missing or NULL, a zero denominator) fails the
    condition: a persona never names a segment on facts the data does not show.
    """
    value = _ratio(segment_means, condition)
    average = _ratio(overall_means, condition)
    reference = average if condition.reference == "average" else condition.threshold
    holds = (
        value is not None and reference is not None and OPERATORS[condition.op](value, reference)
    )
    return ConditionResult(condition, value, average, bool(holds))


def choose_catalogue(
    requested: str, rules: pd.DataFrame, catalogue: pd.DataFrame, fitted_features: Iterable[str]
) -> str:
    """The catalogue to name segments from.

    ``requested`` is ``credit_card``, ``retail`` or ``auto``: the catalogue with the largest share
    of its rule features among the fitted features (ties: the first of :data:`CATALOGUES`).
    """
    if requested != "auto" and requested not in CATALOGUES:
        raise PersonaConfigError(
            f"var 'persona_catalogue' must be auto, {', '.join(CATALOGUES)}; got '{requested}'"
        )
    if requested != "auto":
        return requested
    fitted = set(fitted_features)
    persona_catalogue = dict(zip(catalogue["persona_name"], catalogue["catalogue"], strict=True))
    best, best_share = CATALOGUES[0], -1.0
    for name in CATALOGUES:
        features = {
            str(row.feature_name)
            for row in rules.itertuples(index=False)
            if persona_catalogue.get(str(row.persona_name)) == name
        }
        share = len(features & fitted) / len(features) if features else 0.0
        if share > best_share:
            best, best_share = name, share
    return best


def persona_scores(z: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Score of every (segment, persona): weighted mean of the segment's mean z-scores.

    ``z`` is segments x features. A persona whose rule features are not all available (missing
    or NULL) gets no score on that segment.
    """
    frames = []
    for persona, persona_rules in rules.groupby("persona_name", sort=True):
        features = persona_rules["feature_name"].astype(str).tolist()
        weights = persona_rules["weight"].astype(float).to_numpy()
        total = float(abs(weights).sum())
        if not set(features) <= set(z.columns) or total == 0:
            continue
        values = z[features].to_numpy(dtype=float)
        scores = values @ weights / total  # NaN where a feature is NULL
        frame = pd.DataFrame(
            {
                "segment_id": z.index.astype("int64"),
                "persona_name": str(persona),
                "persona_score": scores,
            }
        )
        frames.append(frame.dropna(subset=["persona_score"]))
    if not frames:
        return pd.DataFrame(columns=["segment_id", "persona_name", "persona_score"])
    return pd.concat(frames, ignore_index=True)


def greedy_assignment(pairs: Sequence[tuple[int, str, float]]) -> dict[int, tuple[str, float]]:
    """Best pair first, then the best pair among free segments and personas; no round cap."""
    ordered = sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))
    by_segment: dict[int, tuple[str, float]] = {}
    taken: set[str] = set()
    for segment_id, persona, score in ordered:
        if segment_id in by_segment or persona in taken:
            continue
        by_segment[segment_id] = (persona, score)
        taken.add(persona)
    return by_segment


def quality_word(
    mean_silhouette: float | None, separation_ratio: float | None, nearest_name: str | None
) -> str:
    """``distinct``, ``overlaps with <nearest segment>``, ``weak`` or ``single segment``."""
    if nearest_name is None:
        return "single segment"
    silhouette = None if mean_silhouette is None or math.isnan(mean_silhouette) else mean_silhouette
    ratio = None if separation_ratio is None or math.isnan(separation_ratio) else separation_ratio
    if silhouette is not None and silhouette < WEAK_SILHOUETTE:
        return "weak"
    if (
        ratio is not None
        and ratio >= DISTINCT_SEPARATION_RATIO
        and (silhouette is None or silhouette >= DISTINCT_SILHOUETTE)
    ):
        return "distinct"
    return f"overlaps with {nearest_name}"


def quality_sentence(
    word: str, mean_silhouette: float | None, separation_ratio: float | None
) -> str:
    """The quality word explained with its numbers, in plain language."""
    numbers = []
    if separation_ratio is not None and not math.isnan(separation_ratio):
        numbers.append(
            f"the nearest other segment is {separation_ratio:.1f}x as far as its customers"
            " are from its centre"
        )
    if mean_silhouette is not None and not math.isnan(mean_silhouette):
        numbers.append(f"silhouette {mean_silhouette:.2f}")
    detail = f" ({'; '.join(numbers)})" if numbers else ""
    if word == "distinct":
        meaning = "Distinct: its customers clearly differ from the other segments"
    elif word == "weak":
        meaning = (
            "Weak: many of its customers sit about as close to another segment; treat the"
            " boundary as soft"
        )
    elif word == "single segment":
        meaning = "Single segment: there is nothing to separate it from"
    else:
        meaning = (
            f"Overlaps with {word.removeprefix('overlaps with ')}: customers near the boundary"
            " could belong to either"
        )
    return f"{meaning}{detail}."


def _standout_facts(
    z_row: pd.Series, segment_means: Mapping[str, float], overall_means: Mapping[str, float]
) -> list[str]:
    ranked = z_row.dropna().abs().sort_values(ascending=False, kind="stable")
    facts = []
    for feature in ranked.index[:3]:
        unit = feature_unit(str(feature))
        facts.append(
            f"{str(feature).replace('_', ' ')} {format_value(segment_means[feature], unit)}"
            f" (average {format_value(overall_means[feature], unit)})"
        )
    return facts


def _data_name(z_row: pd.Series) -> tuple[str, float]:
    ranked = z_row.dropna()
    order = ranked.abs().sort_values(ascending=False, kind="stable").index[:2]
    phrases = [f"{'high' if ranked[f] >= 0 else 'low'} {str(f).replace('_', ' ')}" for f in order]
    name = ", ".join(phrases)
    deviation = float(abs(ranked[order[0]])) if len(order) else 0.0
    return (name[:1].upper() + name[1:]) if name else MAINSTREAM, deviation


def name_segments(
    feature_means: pd.DataFrame,
    catalogue: pd.DataFrame,
    rules: pd.DataFrame,
    conditions: pd.DataFrame,
    separation: pd.DataFrame,
    fitted_features: Iterable[str],
    requested_catalogue: str = "auto",
    min_score: float = 0.25,
    min_deviation: float = 0.5,
) -> pd.DataFrame:
    """One row per segment: name, persona, catalogue, score, quality and the card text.

    ``feature_means`` has the columns of ``ml_segment_feature_means`` (segment_id, feature_name,
    n_customers, mean_value, mean_standardized_value, overall_mean_value); ``separation`` has
    segment_id, mean_silhouette, nearest_segment_id, separation_ratio.
    """
    columns = [
        "segment_id",
        "segment_name",
        "persona_name",
        "persona_catalogue",
        "persona_score",
        "n_customers",
        "share_of_customers",
        "conditions_checked",
        "quality",
        "quality_note",
        "description",
    ]
    if feature_means.empty:  # `dbt run --empty`: typed, no rows
        dtypes = {"segment_id": "int64", "persona_score": "Float64", "n_customers": "int64"}
        dtypes.update(conditions_checked="int64", share_of_customers="float64")
        return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "str")) for c in columns})
    unknown = set(rules["persona_name"]) - set(catalogue["persona_name"])
    unknown |= set(conditions["persona_name"]) - set(catalogue["persona_name"])
    if unknown:
        raise PersonaConfigError(
            f"persona(s) {', '.join(sorted(map(str, unknown)))} in seeds/persona_rules.csv or"
            " seeds/persona_conditions.csv are missing from seeds/persona_catalogue.csv: add them"
        )
    parsed = parse_conditions(conditions)
    chosen = choose_catalogue(requested_catalogue, rules, catalogue, fitted_features)
    in_catalogue = set(catalogue.loc[catalogue["catalogue"] == chosen, "persona_name"])
    without_conditions = sorted(in_catalogue - {c.persona_name for c in parsed})
    if without_conditions:
        raise PersonaConfigError(
            f"persona(s) {', '.join(without_conditions)} have no row in"
            " seeds/persona_conditions.csv: declare what the name asserts"
        )
    z = feature_means.pivot(
        index="segment_id", columns="feature_name", values="mean_standardized_value"
    ).sort_index()
    means = feature_means.pivot(index="segment_id", columns="feature_name", values="mean_value")
    means_by_segment: dict[int, dict[str, float]] = {
        int(sid): values for sid, values in means.to_dict(orient="index").items()
    }
    overall = feature_means.groupby("feature_name")["overall_mean_value"].first().to_dict()
    sizes = feature_means.groupby("segment_id")["n_customers"].first()

    scores = persona_scores(z, rules[rules["persona_name"].isin(in_catalogue)])
    by_persona: dict[str, list[Condition]] = {}
    for condition in parsed:
        by_persona.setdefault(condition.persona_name, []).append(condition)
    results: dict[tuple[int, str], list[ConditionResult]] = {}
    eligible = []
    for row in scores.itertuples(index=False):
        segment_means = means_by_segment[int(row.segment_id)]
        checked = [
            evaluate_condition(c, segment_means, overall) for c in by_persona[row.persona_name]
        ]
        results[(int(row.segment_id), str(row.persona_name))] = checked
        if row.persona_score >= min_score and all(result.holds for result in checked):
            eligible.append((int(row.segment_id), str(row.persona_name), row.persona_score))
    assigned = greedy_assignment(eligible)
    texts = dict(zip(catalogue["persona_name"], catalogue["summary"], strict=True))

    named = []
    for segment_id in z.index:
        sid = int(segment_id)
        data_name, deviation = _data_name(z.loc[segment_id])
        if sid in assigned:
            persona, score = assigned[sid]
            base_name, checked = persona, results[(sid, persona)]
        elif deviation >= min_deviation:
            persona, score, base_name, checked = UNMATCHED, None, data_name, []
        else:
            persona, score, base_name, checked = MAINSTREAM, None, MAINSTREAM, []
        named.append((sid, persona, score, base_name, deviation, checked))

    # unique names: a repeated name is numbered by decreasing deviation
    order = sorted(named, key=lambda item: (item[3], -item[4], item[0]))
    display: dict[int, str] = {}
    seen: dict[str, int] = {}
    for sid, _, _, base_name, _, _ in order:
        seen[base_name] = seen.get(base_name, 0) + 1
        display[sid] = base_name if seen[base_name] == 1 else f"{base_name} ({seen[base_name]})"

    quality = separation.set_index("segment_id") if not separation.empty else None
    rows = []
    for sid, persona, score, _, _, checked in named:
        silhouette = ratio = None
        nearest_name = None
        if quality is not None and sid in quality.index:
            record = quality.loc[sid]
            silhouette = (
                None if pd.isna(record["mean_silhouette"]) else float(record["mean_silhouette"])
            )
            ratio = (
                None if pd.isna(record["separation_ratio"]) else float(record["separation_ratio"])
            )
            if not pd.isna(record["nearest_segment_id"]):
                nearest_name = display.get(int(record["nearest_segment_id"]))
        word = quality_word(silhouette, ratio, nearest_name)
        facts = [result.sentence() for result in checked]
        standout = _standout_facts(z.loc[sid], means_by_segment[sid], overall)
        description = str(texts.get(persona, ""))
        if facts:
            description += " In numbers: " + "; ".join(facts) + "."
        if standout:
            description += " Stands out most by " + "; ".join(standout) + "."
        rows.append(
            (
                sid,
                display[sid],
                persona,
                chosen,
                score,
                int(sizes.loc[sid]),
                float("nan"),  # share_of_customers, below
                len(checked),
                word,
                quality_sentence(word, silhouette, ratio),
                description,
            )
        )
    frame = pd.DataFrame(rows, columns=columns)
    # NULL (not NaN) for data-derived names, on DuckDB and through Arrow on Spark
    frame["persona_score"] = frame["persona_score"].astype("Float64")
    frame["segment_id"] = frame["segment_id"].astype("int64")
    frame["n_customers"] = frame["n_customers"].astype("int64")
    frame["share_of_customers"] = frame["n_customers"] / frame["n_customers"].sum()
    frame["conditions_checked"] = frame["conditions_checked"].astype("int64")
    return frame


def violated_conditions(
    named: pd.DataFrame,
    feature_means: pd.DataFrame,
    conditions: pd.DataFrame,
) -> list[str]:
    """Every (segment, condition) where the named persona's declared condition fails: [] is good.

    An independent re-check of :func:`name_segments` output, used by the tests and available to
    users who edit the seeds.
    """
    parsed = parse_conditions(conditions)
    means = feature_means.pivot(index="segment_id", columns="feature_name", values="mean_value")
    overall = feature_means.groupby("feature_name")["overall_mean_value"].first().to_dict()
    problems = []
    for row in named.itertuples(index=False):
        for condition in parsed:
            if condition.persona_name != row.persona_name:
                continue
            result = evaluate_condition(condition, means.loc[row.segment_id].to_dict(), overall)
            if not result.holds:
                problems.append(f"segment {row.segment_id} {row.persona_name}: {result.sentence()}")
    return problems
