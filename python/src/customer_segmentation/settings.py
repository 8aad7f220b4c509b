"""The project's settings (dbt vars): one typed definition, parsed and validated once.

Every setting is a field of a frozen dataclass: its default, its kind, its allowed range or
choices and a one-line description (docs/configuration.md). Related settings are grouped by
concern (``k_selection: {min, max, ...}``, ``drift: {...}``); the few a user types on most runs
(the input files, ``n_clusters``, ``as_of_date``, ``accept_drift``) stay top-level. See
docs/decisions/016-settings.md.

This module is the ONE source. The dbt side cannot import Python, so
``python -m customer_segmentation.settings --write`` generates from it the Jinja macro
``settings_definition()`` (macros/settings/settings_definition.sql, read by ``setting()`` and
``validate_config``) and the settings table of docs/configuration.md; ``--check`` fails when
either is out of date (a pytest runs it). Both sides produce the same messages, because the
requirement text of each setting is generated here.

``Settings.from_vars(mapping)`` validates a mapping of dbt vars (as given with ``--vars``):
a group given partially is merged over the group's defaults, a flat name of the old layout
(``k_selection_max``) is an error naming the new one (``k_selection.max``), unknown names get
the closest known name. Every problem is reported at once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final, Literal, cast

Kind = Literal["integer", "number", "boolean", "string", "list", "mapping", "string_or_list"]

#: 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM[:SS]' (the run time of as_of_date and drift.baseline)
DATETIME_PATTERN: Final = (
    "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    "([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?"
)
#: 'YYYY-MM-DD'
DATE_PATTERN: Final = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
INTEGER_PATTERN: Final = "[+-]?[0-9]+"
NUMBER_PATTERN: Final = "[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?"
#: Reason codes of row-level validation that can be downgraded to a warning
#: (macros/validation/cc_general_validation_rules.sql, checked to agree by a test).
WARN_ONLY_ALLOWED: Final = (
    "non_numeric_value",
    "negative_amount",
    "negative_count",
    "frequency_out_of_range",
    "purchases_mismatch",
    "tenure_out_of_range",
)


class SettingsError(ValueError):
    """One or more invalid settings; the message lists every problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(
            f"Invalid configuration ({count} problem{'s' if count > 1 else ''}):\n  - "
            + "\n  - ".join(self.problems)
        )


@dataclass(frozen=True)
class Spec:
    """How one setting is checked and documented (the metadata of its dataclass field)."""

    kind: Kind
    description: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: bool = False
    #: the only values allowed (strings); with `pattern`, a value may match either
    choices: tuple[str, ...] = ()
    #: literal strings accepted besides the kind (e.g. 'auto' for n_clusters)
    specials: tuple[str, ...] = ()
    #: a regex the (trimmed) string must match entirely, and how to say it
    pattern: str | None = None
    pattern_hint: str = ""
    #: null (YAML ~ or an empty string) allowed
    nullable: bool = False
    #: the values allowed for each item of a list
    item_choices: tuple[str, ...] = ()
    #: the flat var this setting replaces (an error naming the new name)
    old_name: str | None = None

    def requirement(self) -> str:
        """What a valid value is, as written in error messages and the docs table."""
        if self.kind == "integer":
            text = "an integer " + self._bounds()
        elif self.kind == "number":
            text = "a number" + (" " + self._bounds() if self._bounds() else "")
        elif self.kind == "boolean":
            text = "true or false"
        elif self.kind == "list":
            text = "a list" + (" of: " + ", ".join(self.item_choices) if self.item_choices else "")
        elif self.kind == "mapping":
            text = "a mapping"
        elif self.kind == "string_or_list":
            text = "a name or a list"
        elif self.choices and self.pattern:
            text = _quoted_alternatives([*self.choices, self.pattern_hint], quote_last=False)
        elif self.choices:
            text = _quoted_alternatives(list(self.choices))
        elif self.pattern:
            text = self.pattern_hint
        else:
            text = "a string"
        if self.specials:
            text = _quoted_alternatives([*self.specials, text], quote_last=False)
        if self.nullable:
            text += " (or empty)"
        return text

    def _bounds(self) -> str:
        low, high = _plain(self.minimum), _plain(self.maximum)
        if self.minimum is not None and self.maximum is not None:
            if self.exclusive_maximum:
                return f"in [{low}, {high})"
            return f"between {low} and {high}"
        if self.minimum is not None:
            return f">= {low}"
        if self.maximum is not None:
            return f"< {high}" if self.exclusive_maximum else f"<= {high}"
        return ""


def _plain(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _quoted_alternatives(values: list[str], quote_last: bool = True) -> str:
    quoted = [f"'{value}'" for value in values]
    if not quote_last:
        quoted[-1] = values[-1]
    if len(quoted) == 2:
        return f"{quoted[0]} or {quoted[1]}"
    return "one of " + ", ".join(quoted)


def setting(default: Any, spec: Spec) -> Any:
    """A dataclass field holding `default` (copied per instance when mutable) and its Spec."""
    if isinstance(default, (list, dict)):
        value = default
        return field(default_factory=lambda: _copy(value), metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


# ---------------------------------------------------------------------------------------------
# The settings. Adding one: a field here, then `python -m customer_segmentation.settings --write`.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureSettings:
    """features: which features the model is fitted on and how they are prepared."""

    set: str | list[str] = setting(
        "seed17",
        Spec(
            "string_or_list",
            "Features the model is fitted on: seed17, engineered, transactions or a list.",
            old_name="feature_set",
        ),
    )
    transforms: dict[str, str] = setting(
        {},
        Spec(
            "mapping",
            "Per-feature transform before scaling, e.g. {purchases: log1p, balance: winsorize}.",
            old_name="feature_transforms",
        ),
    )
    winsorize_quantiles: list[float] = setting(
        [0.01, 0.99],
        Spec(
            "list",
            "Quantiles [low, high] that winsorized features are clipped to.",
            old_name="winsorize_quantiles",
        ),
    )
    scaling: str = setting(
        "standard",
        Spec(
            "string",
            "Scaling of model features (StandardScaler, median / IQR, min-max).",
            choices=("standard", "robust", "minmax"),
            old_name="scaling",
        ),
    )
    imputation: str = setting(
        "mean",
        Spec(
            "string",
            "How missing feature values are filled before scaling.",
            choices=("mean", "median"),
            old_name="imputation",
        ),
    )


@dataclass(frozen=True)
class KMeansSettings:
    """kmeans: the final k-means fit."""

    n_init: int = setting(
        10,
        Spec(
            "integer",
            "k-means++ restarts of the final fit.",
            minimum=1,
            maximum=1000,
            old_name="n_init",
        ),
    )
    random_seed: int = setting(
        42,
        Spec(
            "integer",
            "Seed of every random step (fit sample, k-means, silhouette sample, tree).",
            minimum=0,
            maximum=4294967295,
            old_name="random_seed",
        ),
    )
    fit_sample_size: int = setting(
        400000,
        Spec(
            "integer",
            "k-means and PCA are fitted on a seeded sample of at most this many customers.",
            minimum=1,
            old_name="fit_sample_size",
        ),
    )
    fit_engine: str = setting(
        "sklearn",
        Spec(
            "string",
            "Who fits k-means: scikit-learn (every engine) or pyspark.ml (Spark only).",
            choices=("sklearn", "mllib"),
            old_name="fit_engine",
        ),
    )


@dataclass(frozen=True)
class KSelectionSettings:
    """k_selection: the sweep over k that picks n_clusters: auto and reports on every k."""

    min: int = setting(
        1,
        Spec(
            "integer", "Smallest k of the sweep.", minimum=1, maximum=50, old_name="k_selection_min"
        ),
    )
    max: int = setting(
        10,
        Spec(
            "integer", "Largest k of the sweep.", minimum=1, maximum=50, old_name="k_selection_max"
        ),
    )
    n_init: int = setting(
        3,
        Spec(
            "integer",
            "k-means++ restarts per k of the sweep.",
            minimum=1,
            maximum=1000,
            old_name="k_selection_n_init",
        ),
    )
    sample_size: int = setting(
        20000,
        Spec(
            "integer",
            "The sweep runs on a seeded sample of at most this many fit-sample customers.",
            minimum=2,
            old_name="k_selection_sample_size",
        ),
    )
    silhouette_tolerance: float = setting(
        0.1,
        Spec(
            "number",
            "auto keeps the WCSS elbow unless its silhouette is this far below the best.",
            minimum=0,
            old_name="k_selection_silhouette_tolerance",
        ),
    )
    bootstrap: int = setting(
        5,
        Spec(
            "integer",
            "Bootstrap refits per k for the stability score (0 = skip).",
            minimum=0,
            maximum=100,
            old_name="k_selection_bootstrap",
        ),
    )
    bootstrap_sample_size: int = setting(
        20000,
        Spec(
            "integer",
            "Customers per bootstrap resample (at most the sweep sample).",
            minimum=2,
            old_name="k_selection_bootstrap_sample_size",
        ),
    )
    min_elbow_strength: float = setting(
        0.25,
        Spec(
            "number",
            "A WCSS curve whose largest chord distance is below this has no elbow.",
            minimum=0,
            old_name="k_selection_min_elbow_strength",
        ),
    )
    stability_tolerance: float = setting(
        0.02,
        Spec(
            "number",
            "stability_k is the largest k within this of the most stable one.",
            minimum=0,
            old_name="k_selection_stability_tolerance",
        ),
    )
    refresh: bool = setting(
        False,
        Spec(
            "boolean",
            "Recompute the sweep although the last one is still valid (docs/lean-build.md).",
            old_name="k_selection_refresh",
        ),
    )


@dataclass(frozen=True)
class DiagnosticsSettings:
    """diagnostics: what explains and checks the segments without changing them."""

    silhouette_sample_size: int = setting(
        2000,
        Spec(
            "integer",
            "Customers in the seeded sample silhouettes are computed on.",
            minimum=2,
            old_name="silhouette_sample_size",
        ),
    )
    outlier_contamination: float = setting(
        0.01,
        Spec(
            "number",
            "Share of each segment flagged as outliers by distance (0 flags nobody).",
            minimum=0,
            maximum=1,
            exclusive_maximum=True,
            old_name="outlier_contamination",
        ),
    )
    pca_components: int = setting(
        2,
        Spec(
            "integer",
            "Principal components kept for plots (at most the number of features).",
            minimum=1,
            old_name="pca_components",
        ),
    )
    surrogate_tree_max_depth: int = setting(
        3,
        Spec(
            "integer",
            "Depth of the surrogate decision tree behind segment_rules.",
            minimum=1,
            maximum=10,
            old_name="surrogate_tree_max_depth",
        ),
    )
    sample_size: int = setting(
        100000,
        Spec(
            "integer",
            "Customers of the fit sample the k sweep, tree, drift deciles and silhouette read.",
            minimum=1,
        ),
    )


@dataclass(frozen=True)
class PersonaSettings:
    """personas: how segments are named."""

    catalogue: str = setting(
        "auto",
        Spec(
            "string",
            "Persona catalogue; auto = the one best covered by the fitted features.",
            choices=("auto", "credit_card", "retail"),
            old_name="persona_catalogue",
        ),
    )
    min_score: float = setting(
        0.25,
        Spec(
            "number",
            "A persona names a segment only if it scores at least this (weighted mean z).",
            old_name="persona_min_score",
        ),
    )
    min_deviation: float = setting(
        0.5,
        Spec(
            "number",
            "An unnamed segment is named from deviations of at least this many sd.",
            minimum=0,
            old_name="persona_min_deviation",
        ),
    )


@dataclass(frozen=True)
class LedgerSettings:
    """ledger: the ledger input (input_format: ledger, docs/ledger.md)."""

    as_of: str | None = setting(
        None,
        Spec(
            "string",
            "End (exclusive) of the 12-month window; empty = the day after the last transaction.",
            specials=("auto", "none"),
            pattern=DATE_PATTERN,
            pattern_hint="a date YYYY-MM-DD",
            nullable=True,
            old_name="ledger_as_of",
        ),
    )
    top_categories: int = setting(
        6,
        Spec(
            "integer",
            "Categories that get their own spend column.",
            minimum=1,
            maximum=20,
            old_name="ledger_top_categories",
        ),
    )


@dataclass(frozen=True)
class ValidationSettings:
    """validation: row-level checks of the input (docs/data-quality.md)."""

    warn_only_checks: list[str] = setting(
        ["frequency_out_of_range", "purchases_mismatch"],
        Spec(
            "list",
            "Reason codes whose rows are kept with a warning instead of quarantined.",
            item_choices=WARN_ONLY_ALLOWED,
            old_name="warn_only_checks",
        ),
    )
    purchases_tolerance: float = setting(
        0.01,
        Spec(
            "number",
            "Allowed gap between PURCHASES and one-off + installment purchases.",
            minimum=0,
            old_name="purchases_tolerance",
        ),
    )


@dataclass(frozen=True)
class HistorySettings:
    """history: segment ids across runs."""

    segment_match_max_distance: float | str | None = setting(
        2.0,
        Spec(
            "number",
            "A refit centroid keeps a previous id only this close (sd); none = always match.",
            minimum=0,
            specials=("none",),
            nullable=True,
            old_name="segment_match_max_distance",
        ),
    )


@dataclass(frozen=True)
class DriftSettings:
    """drift: feature and share drift against a baseline run."""

    baseline: str = setting(
        "previous",
        Spec(
            "string",
            "Run compared with: previous, first or a pinned run time.",
            choices=("previous", "first"),
            pattern=DATETIME_PATTERN,
            pattern_hint="a run time 'YYYY-MM-DD' / 'YYYY-MM-DD HH:MM[:SS]'",
            old_name="drift_baseline",
        ),
    )
    psi_warn: float = setting(
        0.1,
        Spec("number", "PSI at or above this warns.", minimum=0, old_name="drift_psi_warn"),
    )
    psi_alert: float = setting(
        0.25,
        Spec(
            "number",
            "PSI at or above this fails the build (the marts are not published).",
            minimum=0,
            old_name="drift_psi_alert",
        ),
    )
    share_change_warn_pp: float = setting(
        5,
        Spec(
            "number",
            "A segment share change above this many percentage points warns.",
            minimum=0,
            old_name="share_change_warn_pp",
        ),
    )


@dataclass(frozen=True)
class LifecycleSettings:
    """lifecycle: fit runs vs score runs, and which registered model scores (docs/lifecycle.md)."""

    refit: str = setting(
        "always",
        Spec(
            "string",
            "always: fit every build; auto: fit when needed, else score; never: always score.",
            choices=("always", "auto", "never"),
        ),
    )
    champion_run_id: str | None = setting(
        None,
        Spec(
            "string",
            "Pin (rollback): the run id of a registered fit run that scores this run.",
            nullable=True,
        ),
    )
    max_champion_age_days: int = setting(
        92,
        Spec("integer", "auto refits a champion fitted more than this many days ago.", minimum=1),
    )
    promotion: str = setting(
        "auto",
        Spec(
            "string",
            "auto: a fit run's model is the champion; manual: a challenger until promote_run_id "
            "names it.",
            choices=("auto", "manual"),
        ),
    )
    promote_run_id: str | None = setting(
        None,
        Spec(
            "string",
            "Promote (manual): the run id of a registered fit run; it scores this run and stays "
            "the champion.",
            nullable=True,
        ),
    )


@dataclass(frozen=True)
class Settings:
    """Every setting: the top-level ones, then one group per concern."""

    input_format: str = setting(
        "cc_general",
        Spec(
            "string",
            "cc_general (a CSV of 17 customer aggregates) or ledger (transactions files).",
            choices=("cc_general", "ledger"),
        ),
    )
    customers_csv: str = setting(
        "seeds/sample_customers.csv",
        Spec("string", "The CC GENERAL CSV file (.csv or .csv.gz) to segment."),
    )
    customers_parquet: str | None = setting(
        None,
        Spec(
            "string",
            "Parquet file(s) (path or glob) read instead of customers_csv when set.",
            nullable=True,
        ),
    )
    transactions_csv: str = setting(
        "seeds/sample_ledger_transactions.csv",
        Spec("string", "Ledger input: the transactions CSV file."),
    )
    accounts_csv: str | None = setting(
        "seeds/sample_ledger_accounts.csv",
        Spec("string", "Ledger input: the accounts CSV file (empty = none).", nullable=True),
    )
    input_lineage: str | None = setting(
        None,
        Spec(
            "string",
            "The history a run belongs to (empty: sample / default, ledger_sample / ledger).",
            nullable=True,
        ),
    )
    n_clusters: int | str = setting(
        4,
        Spec(
            "integer",
            "Number of segments; auto picks k from the k_selection sweep.",
            minimum=2,
            maximum=50,
            specials=("auto",),
        ),
    )
    as_of_date: str | None = setting(
        None,
        Spec(
            "string",
            "The run's time, to replay month-by-month runs; empty = now (UTC).",
            pattern=DATETIME_PATTERN,
            pattern_hint="a date 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM[:SS]'",
            nullable=True,
        ),
    )
    accept_drift: bool = setting(
        False,
        Spec("boolean", "Publish a run although feature_drift raised an alert."),
    )
    features: FeatureSettings = field(default_factory=FeatureSettings)
    kmeans: KMeansSettings = field(default_factory=KMeansSettings)
    k_selection: KSelectionSettings = field(default_factory=KSelectionSettings)
    diagnostics: DiagnosticsSettings = field(default_factory=DiagnosticsSettings)
    personas: PersonaSettings = field(default_factory=PersonaSettings)
    ledger: LedgerSettings = field(default_factory=LedgerSettings)
    validation: ValidationSettings = field(default_factory=ValidationSettings)
    history: HistorySettings = field(default_factory=HistorySettings)
    drift: DriftSettings = field(default_factory=DriftSettings)
    lifecycle: LifecycleSettings = field(default_factory=LifecycleSettings)

    @classmethod
    def from_vars(cls, variables: Mapping[str, Any] | None = None) -> Settings:
        """Validated settings from dbt vars; groups given partially keep their other defaults.

        Raises SettingsError listing every problem (each names ``group.key``, the value and
        what is allowed)."""
        return _parse(dict(variables or {}))

    @classmethod
    def from_json(cls, text: str | Mapping[str, Any] | None) -> Settings:
        """from_vars of a JSON object (a dbt Python model's ``settings`` config)."""
        if text is None or isinstance(text, Mapping):
            return cls.from_vars(text)
        value = json.loads(text) if str(text).strip() else {}
        if not isinstance(value, dict):
            raise SettingsError([f"settings must be a JSON object, got {text!r}"])
        return cls.from_vars(value)

    def to_vars(self) -> dict[str, Any]:
        """Every effective value, as the nested mapping of vars (JSON-serialisable)."""
        result: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in GROUPS:
                result[item.name] = {sub.name: getattr(value, sub.name) for sub in fields(value)}
            else:
                result[item.name] = value
        copied: dict[str, Any] = _copy(result)
        return copied


# ---------------------------------------------------------------------------------------------
# The definition as data (what the Jinja side and the docs read)
# ---------------------------------------------------------------------------------------------

GROUPS: Final[dict[str, type]] = {
    "features": FeatureSettings,
    "kmeans": KMeansSettings,
    "k_selection": KSelectionSettings,
    "diagnostics": DiagnosticsSettings,
    "personas": PersonaSettings,
    "ledger": LedgerSettings,
    "validation": ValidationSettings,
    "history": HistorySettings,
    "drift": DriftSettings,
    "lifecycle": LifecycleSettings,
}


@dataclass(frozen=True)
class Definition:
    """One setting: its dotted name, group (None when top-level), key, default and Spec."""

    name: str
    group: str | None
    key: str
    default: Any
    spec: Spec


def _default_of(item: Any) -> Any:
    if item.default is not MISSING:
        return item.default
    return item.default_factory()


def definitions() -> list[Definition]:
    """Every setting, top-level first, then by group, in declaration order."""
    result: list[Definition] = []
    for item in fields(Settings):
        if item.name in GROUPS:
            continue
        spec = cast(Spec, item.metadata["spec"])
        result.append(Definition(item.name, None, item.name, _default_of(item), spec))
    for group, group_class in GROUPS.items():
        for sub in fields(group_class):
            spec = cast(Spec, sub.metadata["spec"])
            result.append(
                Definition(f"{group}.{sub.name}", group, sub.name, _default_of(sub), spec)
            )
    return result


def renamed() -> dict[str, str]:
    """Old flat var name -> new ``group.key``."""
    return {d.spec.old_name: d.name for d in definitions() if d.spec.old_name}


# ---------------------------------------------------------------------------------------------
# Validation (mirrored by macros/validation/validate_config.sql over the generated definition)
# ---------------------------------------------------------------------------------------------


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value) and value == int(value)
    if isinstance(value, str):
        return re.fullmatch(INTEGER_PATTERN, value.strip()) is not None
    return False


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    if isinstance(value, str):
        return re.fullmatch(NUMBER_PATTERN, value.strip()) is not None
    return False


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _show(value: Any) -> str:
    """A value as Jinja's `~` shows it (Python's str), so both sides' messages agree."""
    return str(value)


def check_value(name: str, value: Any, spec: Spec) -> tuple[list[str], Any]:
    """Problems with one value (empty when valid) and the value as the typed field holds it."""
    bad = [f"var '{name}' must be {spec.requirement()}, got '{_show(value)}'"]
    if value is None or (spec.nullable and isinstance(value, str) and value.strip() == ""):
        return ([], None) if spec.nullable else (bad, None)
    if isinstance(value, str) and value.strip() in spec.specials:
        return [], value.strip()
    kind = spec.kind
    if kind == "integer":
        if not _is_integer(value) or not _in_range(int(float(value)), spec):
            return bad, None
        return [], int(float(value))
    if kind == "number":
        if not _is_number(value) or not _in_range(float(value), spec):
            return bad, None
        return [], float(value) if not isinstance(value, int) else value
    if kind == "boolean":
        return ([], value) if isinstance(value, bool) else (bad, None)
    if kind == "mapping":
        return ([], dict(value)) if isinstance(value, Mapping) else (bad, None)
    if kind == "string_or_list":
        if isinstance(value, str) or _is_list(value):
            return [], value if isinstance(value, str) else list(value)
        return bad, None
    if kind == "list":
        if not _is_list(value):
            return bad, None
        problems = [
            f"var '{name}' contains '{_show(item)}', which is not one of: "
            + ", ".join(spec.item_choices)
            for item in value
            if spec.item_choices and item not in spec.item_choices
        ]
        return problems, list(value)
    # string
    if not isinstance(value, str):
        return bad, None
    text = value.strip()
    if spec.choices and text in spec.choices:
        return [], text
    if spec.pattern and re.fullmatch(spec.pattern, text):
        return [], text
    if spec.choices or spec.pattern:
        return bad, None
    return [], value


def _in_range(number: float, spec: Spec) -> bool:
    if spec.minimum is not None and number < spec.minimum:
        return False
    if spec.maximum is not None:
        return number < spec.maximum if spec.exclusive_maximum else number <= spec.maximum
    return True


def edit_distance(first: str, second: str) -> int:
    """Levenshtein distance (as macros/validation/unknown_vars.sql)."""
    previous = list(range(len(second) + 1))
    for i in range(1, len(first) + 1):
        current = [i]
        for j in range(1, len(second) + 1):
            cost = 0 if first[i - 1] == second[j - 1] else 1
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost))
        previous = current
    return previous[len(second)]


def closest_name(name: str, candidates: Iterator[str] | Sequence[str]) -> str:
    """The candidate nearest `name`, if at most max(2, len // 3) edits away, else ''."""
    best, best_distance = "", 999
    for candidate in sorted(candidates):
        distance = edit_distance(name.lower(), candidate.lower())
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best if best_distance <= max(2, len(name) // 3) else ""


def unknown_name_problem(name: str, candidates: Sequence[str], group: str | None) -> str:
    """The message for a name that is not a setting (shared wording with the Jinja side)."""
    full = f"{group}.{name}" if group else name
    closest = closest_name(name, candidates)
    if closest:
        suggestion = f"{group}.{closest}" if group else closest
        return f"unknown var '{full}'; did you mean '{suggestion}'?"
    known = ", ".join(f"{group}.{c}" if group else c for c in sorted(candidates))
    return f"unknown var '{full}' (known: {known})"


def renamed_problem(old: str, new: str) -> str:
    """The message for a flat var of the old layout."""
    group, _, key = new.partition(".")
    return f"var '{old}' is now {new}: --vars '{{{group}: {{{key}: ...}}}}'"


def _parse(variables: dict[str, Any]) -> Settings:
    problems: list[str] = []
    moved = renamed()
    top_level = {d.key: d for d in definitions() if d.group is None}
    values: dict[str, Any] = {}
    for name in variables:
        if name in moved:
            problems.append(renamed_problem(name, moved[name]))
        elif name not in top_level and name not in GROUPS:
            problems.append(unknown_name_problem(name, [*top_level, *GROUPS], None))
    for key, definition in top_level.items():
        if key in variables:
            found, value = check_value(key, variables[key], definition.spec)
            problems += found
            values[key] = value
    for group, group_class in GROUPS.items():
        given = variables.get(group)
        if isinstance(given, str) and given.strip().startswith("{"):
            # a group as a JSON object string (how sqlfluff's dbt templater passes vars)
            with contextlib.suppress(json.JSONDecodeError):
                given = json.loads(given)
        if given is None:
            continue
        if not isinstance(given, Mapping):
            problems.append(
                f"var '{group}' must be a mapping of {group} settings "
                f"(e.g. --vars '{{{group}: {{...}}}}'), got '{_show(given)}'"
            )
            continue
        keys = [sub.name for sub in fields(group_class)]
        group_values: dict[str, Any] = {}
        for name in given:
            if name not in keys:
                problems.append(unknown_name_problem(str(name), keys, group))
        for sub in fields(group_class):
            if sub.name in given:
                spec = cast(Spec, sub.metadata["spec"])
                found, value = check_value(f"{group}.{sub.name}", given[sub.name], spec)
                problems += found
                group_values[sub.name] = value
        values[group] = replace(group_class(), **group_values)
    settings = Settings(**values) if not problems else Settings()
    if not problems:
        problems += cross_checks(settings)
    if problems:
        raise SettingsError(problems)
    return settings


def cross_checks(settings: Settings) -> list[str]:
    """Rules between settings (validate_config checks the same)."""
    problems = []
    if settings.drift.psi_alert < settings.drift.psi_warn:
        problems.append(
            f"var 'drift.psi_alert' ({_show(settings.drift.psi_alert)}) must be at least "
            f"drift.psi_warn ({_show(settings.drift.psi_warn)})"
        )
    if settings.k_selection.min > settings.k_selection.max:
        problems.append(
            f"var 'k_selection.min' ({settings.k_selection.min}) must be at most "
            f"k_selection.max ({settings.k_selection.max})"
        )
    return problems


# ---------------------------------------------------------------------------------------------
# Generated files
# ---------------------------------------------------------------------------------------------

MACRO_PATH: Final = Path("macros/settings/settings_definition.sql")
DOCS_PATH: Final = Path("docs/configuration.md")
TABLE_START: Final = "<!-- settings-table:start -->"
TABLE_END: Final = "<!-- settings-table:end -->"


def jinja_literal(value: Any, indent: int = 0) -> str:
    """A Jinja literal for a JSON-like value (none/true/false, double-quoted strings)."""
    pad = " " * indent
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        if all(not isinstance(item, (dict, list, tuple)) for item in value):
            return "[" + ", ".join(jinja_literal(item) for item in value) + "]"
        inner = ",\n".join(pad + "    " + jinja_literal(item, indent + 4) for item in value)
        return "[\n" + inner + ",\n" + pad + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ",\n".join(
            f"{pad}    {json.dumps(str(key))}: {jinja_literal(item, indent + 4)}"
            for key, item in value.items()
        )
        return "{\n" + inner + ",\n" + pad + "}"
    raise TypeError(f"no Jinja literal for {value!r}")


def definition_data() -> dict[str, Any]:
    """What settings_definition() returns: every setting's rules, the defaults, the renames."""
    settings = []
    for d in definitions():
        spec = d.spec
        settings.append(
            {
                "name": d.name,
                "group": d.group,
                "key": d.key,
                "kind": spec.kind,
                "default": d.default,
                "minimum": spec.minimum,
                "maximum": spec.maximum,
                "exclusive_maximum": spec.exclusive_maximum,
                "choices": list(spec.choices),
                "specials": list(spec.specials),
                "pattern": spec.pattern,
                "nullable": spec.nullable,
                "item_choices": list(spec.item_choices),
                "requirement": spec.requirement(),
            }
        )
    return {
        "groups": list(GROUPS),
        "defaults": Settings().to_vars(),
        "renamed": renamed(),
        "settings": settings,
    }


def render_macro() -> str:
    """The text of macros/settings/settings_definition.sql."""
    return (
        "{#- GENERATED from python/src/customer_segmentation/settings.py by\n"
        "    `python -m customer_segmentation.settings --write`: do not edit by hand (a test\n"
        "    fails when it is out of date). Every setting's default, kind, range / choices and\n"
        "    the requirement text of its error message; read by setting() and validate_config.\n"
        "-#}\n"
        "{% macro settings_definition() %}\n"
        "    {{ return(" + jinja_literal(definition_data(), 4) + ") }}\n"
        "{% endmacro %}\n"
    )


def _markdown_value(value: Any) -> str:
    if value is None:
        return "empty"
    text = json.dumps(value) if not isinstance(value, str) else value
    return "`" + text.replace("|", "\\|") + "`"


def render_table() -> str:
    """The settings table of docs/configuration.md (between the markers)."""
    lines = [
        "| Setting | Default | Allowed | What it does |",
        "| --- | --- | --- | --- |",
    ]
    for d in definitions():
        requirement = d.spec.requirement().replace("|", "\\|")
        description = d.spec.description
        if d.spec.old_name and d.spec.old_name != d.name:
            description += f" (was `{d.spec.old_name}`)"
        lines.append(
            f"| `{d.name}` | {_markdown_value(d.default)} | {requirement} | {description} |"
        )
    return "\n".join(lines) + "\n"


def _replace_between_markers(text: str, table: str, path: Path) -> str:
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise SystemExit(f"{path}: markers {TABLE_START} ... {TABLE_END} not found")
    return text[: start + len(TABLE_START)] + "\n\n" + table + "\n" + text[end:]


def generated_files(project_dir: Path) -> dict[Path, str]:
    """Each generated file (path under `project_dir`) and the text it must have."""
    docs = project_dir / DOCS_PATH
    current = docs.read_text(encoding="utf-8") if docs.exists() else ""
    return {
        project_dir / MACRO_PATH: render_macro(),
        docs: _replace_between_markers(current, render_table(), docs),
    }


def stale_files(project_dir: Path) -> list[Path]:
    """Generated files whose content differs from what the definition produces."""
    return [
        path
        for path, text in generated_files(project_dir).items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m customer_segmentation.settings",
        description="Generate the dbt macro and the docs table from the settings definition.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="rewrite the generated files")
    action.add_argument("--check", action="store_true", help="fail when one is out of date")
    parser.add_argument("--project-dir", type=Path, default=Path("."), help="dbt project root")
    args = parser.parse_args(argv)
    project_dir = cast(Path, args.project_dir)
    if args.check:
        stale = stale_files(project_dir)
        for path in stale:
            print(f"out of date: {path} (run python -m customer_segmentation.settings --write)")
        return 1 if stale else 0
    for path, text in generated_files(project_dir).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
