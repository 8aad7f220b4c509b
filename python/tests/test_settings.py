from __future__ import annotations

import re
from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pytest

from customer_segmentation import settings as settings_module
from customer_segmentation.settings import (
    GROUPS,
    WARN_ONLY_ALLOWED,
    Settings,
    SettingsError,
    Spec,
    check_value,
    definitions,
    jinja_literal,
    renamed,
    render_macro,
    stale_files,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]

#: The defaults of the flat vars before the grouping (dbt_project.yml at commit 8e939e2),
#: written out here by hand: grouping must not change a single default.
FLAT_DEFAULTS = {
    "customers_csv": "seeds/sample_customers.csv",
    "customers_parquet": None,
    "input_format": "cc_general",
    "transactions_csv": "seeds/sample_ledger_transactions.csv",
    "accounts_csv": "seeds/sample_ledger_accounts.csv",
    "ledger_as_of": None,
    "ledger_top_categories": 6,
    "feature_set": "seed17",
    "feature_transforms": {},
    "winsorize_quantiles": [0.01, 0.99],
    "scaling": "standard",
    "imputation": "mean",
    "n_clusters": 4,
    "n_init": 10,
    "random_seed": 42,
    "fit_sample_size": 100000,
    "fit_engine": "sklearn",
    "k_selection_min": 1,
    "k_selection_max": 10,
    "k_selection_n_init": 3,
    "k_selection_sample_size": 20000,
    "k_selection_silhouette_tolerance": 0.1,
    "k_selection_bootstrap": 5,
    "k_selection_bootstrap_sample_size": 20000,
    "k_selection_min_elbow_strength": 0.25,
    "k_selection_stability_tolerance": 0.02,
    "k_selection_refresh": False,
    "silhouette_sample_size": 2000,
    "outlier_contamination": 0.01,
    "pca_components": 2,
    "persona_min_score": 0.25,
    "persona_min_deviation": 0.5,
    "persona_catalogue": "auto",
    "warn_only_checks": ["frequency_out_of_range", "purchases_mismatch"],
    "purchases_tolerance": 0.01,
    "as_of_date": None,
    "segment_match_max_distance": 2.0,
    "drift_baseline": "previous",
    "drift_psi_warn": 0.1,
    "drift_psi_alert": 0.25,
    "share_change_warn_pp": 5,
    "surrogate_tree_max_depth": 3,
    "accept_drift": False,
    "input_lineage": None,
}

#: Settings that did not exist before the grouping (issue 20: the model lifecycle).
ADDED_AFTER_GROUPING = {
    "lifecycle.refit",
    "lifecycle.champion_run_id",
    "lifecycle.max_champion_age_days",
    "lifecycle.promotion",
    "lifecycle.promote_run_id",
    "diagnostics.sample_size",
}
#: Defaults changed after the grouping, and why.
CHANGED_AFTER_GROUPING = {
    # issue 18: labels as a full-data fit's (ARI >= 0.99) on CC GENERAL resampled to 1M rows
    "fit_sample_size": 400000,
}


def problems_of(variables: dict[str, object]) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        Settings.from_vars(variables)
    return raised.value.problems


def test_defaults_equal_the_flat_defaults_before_grouping() -> None:
    effective = Settings().to_vars()
    moved = renamed()
    for old, default in (FLAT_DEFAULTS | CHANGED_AFTER_GROUPING).items():
        if old in moved:
            group, key = moved[old].split(".")
            assert effective[group][key] == default, old
        else:
            assert effective[old] == default, old
    # every setting has a home in the old list (nothing added or lost by the move)
    # (settings added after the grouping are not in the old list)
    n_settings = len([d for d in definitions() if d.name not in ADDED_AFTER_GROUPING])
    assert n_settings == len(FLAT_DEFAULTS)
    assert Settings.from_vars({}) == Settings() == Settings.from_vars(None)


def test_every_setting_is_described_and_has_a_valid_default() -> None:
    for definition in definitions():
        assert definition.spec.description.strip(), definition.name
        assert len(definition.spec.description) <= 100, definition.name
        problems, _ = check_value(definition.name, definition.default, definition.spec)
        assert problems == [], definition.name


def test_valid_values_are_parsed_to_their_types() -> None:
    settings = Settings.from_vars(
        {
            "n_clusters": "auto",
            "customers_csv": "data/customers.csv",
            "accept_drift": True,
            "as_of_date": "2026-03-31 12:30",
            "k_selection": {"max": "6", "silhouette_tolerance": "0.05"},
            "kmeans": {"n_init": 20.0},
            "drift": {"baseline": " first ", "psi_alert": 1},
            "history": {"segment_match_max_distance": "none"},
            "ledger": {"as_of": ""},
            "features": {"set": ["balance", "purchases"], "transforms": {"balance": "log1p"}},
            "validation": {"warn_only_checks": []},
        }
    )
    assert settings.n_clusters == "auto"
    assert settings.customers_csv == "data/customers.csv"
    assert settings.accept_drift is True
    assert settings.as_of_date == "2026-03-31 12:30"
    assert settings.k_selection.max == 6 and isinstance(settings.k_selection.max, int)
    assert settings.k_selection.silhouette_tolerance == pytest.approx(0.05)
    assert settings.kmeans.n_init == 20 and isinstance(settings.kmeans.n_init, int)
    assert settings.drift.baseline == "first"
    assert settings.history.segment_match_max_distance == "none"
    assert settings.ledger.as_of is None
    assert settings.features.set == ["balance", "purchases"]
    assert settings.features.transforms == {"balance": "log1p"}
    assert settings.validation.warn_only_checks == []


def test_a_partial_group_keeps_the_other_defaults() -> None:
    settings = Settings.from_vars({"k_selection": {"max": 6}})
    defaults = Settings()
    assert settings.k_selection.max == 6
    for item in fields(settings.k_selection):
        if item.name != "max":
            assert getattr(settings.k_selection, item.name) == getattr(
                defaults.k_selection, item.name
            ), item.name
    # other groups and top-level settings untouched
    assert settings.kmeans == defaults.kmeans
    assert settings.n_clusters == defaults.n_clusters
    # an explicit null group is the defaults too (a YAML `k_selection:` with nothing below)
    assert Settings.from_vars({"k_selection": None}).k_selection == defaults.k_selection


def test_a_group_may_be_a_json_object_string() -> None:
    """sqlfluff's dbt templater passes vars as strings (tests/sqlfluff_ledger.cfg)."""
    settings = Settings.from_vars({"features": '{"set": "transactions"}'})
    assert settings.features.set == "transactions"
    assert settings.features.scaling == "standard"
    assert problems_of({"features": "{set: transactions}"}) == [
        "var 'features' must be a mapping of features settings "
        "(e.g. --vars '{features: {...}}'), got '{set: transactions}'"
    ]


def test_settings_are_frozen_and_mutable_defaults_are_not_shared() -> None:
    settings = Settings()
    with pytest.raises(FrozenInstanceError):
        settings.k_selection.max = 3  # type: ignore[misc]
    settings.validation.warn_only_checks.append("negative_amount")
    assert Settings().validation.warn_only_checks == [
        "frequency_out_of_range",
        "purchases_mismatch",
    ]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"n_clusters": 1},
            "var 'n_clusters' must be 'auto' or an integer between 2 and 50, got '1'",
        ),
        (
            {"n_clusters": "4; drop table x"},
            "var 'n_clusters' must be 'auto' or an integer between 2 and 50, got '4; drop table x'",
        ),
        (
            {"kmeans": {"random_seed": True}},
            "var 'kmeans.random_seed' must be an integer between 0 and 4294967295, got 'True'",
        ),
        (
            {"kmeans": {"fit_sample_size": "lots"}},
            "var 'kmeans.fit_sample_size' must be an integer >= 1, got 'lots'",
        ),
        (
            {"k_selection": {"max": 51}},
            "var 'k_selection.max' must be an integer between 1 and 50, got '51'",
        ),
        (
            {"personas": {"min_score": "high"}},
            "var 'personas.min_score' must be a number, got 'high'",
        ),
        (
            {"validation": {"purchases_tolerance": -1}},
            "var 'validation.purchases_tolerance' must be a number >= 0, got '-1'",
        ),
        (
            {"diagnostics": {"outlier_contamination": 1.0}},
            "var 'diagnostics.outlier_contamination' must be a number in [0, 1), got '1.0'",
        ),
        (
            {"drift": {"psi_warn": float("nan")}},
            "var 'drift.psi_warn' must be a number >= 0, got 'nan'",
        ),
        (
            {"features": {"imputation": "mode"}},
            "var 'features.imputation' must be 'mean' or 'median', got 'mode'",
        ),
        (
            {"features": {"scaling": "zscore"}},
            "var 'features.scaling' must be one of 'standard', 'robust', 'minmax', got 'zscore'",
        ),
        (
            {"input_format": "xml"},
            "var 'input_format' must be 'cc_general' or 'ledger', got 'xml'",
        ),
        (
            {"accept_drift": "yes"},
            "var 'accept_drift' must be true or false, got 'yes'",
        ),
        (
            {"customers_csv": None},
            "var 'customers_csv' must be a string, got 'None'",
        ),
        (
            {"customers_csv": 3},
            "var 'customers_csv' must be a string, got '3'",
        ),
        (
            {"as_of_date": "31/03/2026"},
            "var 'as_of_date' must be a date 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM[:SS]' (or empty), "
            "got '31/03/2026'",
        ),
        (
            {"drift": {"baseline": "2026-13-01"}},
            "var 'drift.baseline' must be one of 'previous', 'first', a run time",
        ),
        (
            {"features": {"transforms": ["log1p"]}},
            "var 'features.transforms' must be a mapping, got '['log1p']'",
        ),
        (
            {"features": {"set": 17}},
            "var 'features.set' must be a name or a list, got '17'",
        ),
        (
            {"validation": {"warn_only_checks": "purchases_mismatch"}},
            "var 'validation.warn_only_checks' must be a list of: non_numeric_value,",
        ),
        (
            {"validation": {"warn_only_checks": ["duplicate_customer_id"]}},
            "var 'validation.warn_only_checks' contains 'duplicate_customer_id', "
            "which is not one of:",
        ),
        (
            {"k_selection": 6},
            "var 'k_selection' must be a mapping of k_selection settings",
        ),
    ],
)
def test_each_kind_of_invalid_value_names_the_setting_value_and_range(
    variables: dict[str, object], message: str
) -> None:
    problems = problems_of(variables)
    assert len(problems) == 1, problems
    assert problems[0].startswith(message), problems


def test_old_flat_names_name_the_new_setting() -> None:
    problems = problems_of({"k_selection_max": 6, "persona_catalogue": "retail", "n_init": 5})
    assert problems == [
        "var 'k_selection_max' is now k_selection.max: --vars '{k_selection: {max: ...}}'",
        "var 'persona_catalogue' is now personas.catalogue: --vars '{personas: {catalogue: ...}}'",
        "var 'n_init' is now kmeans.n_init: --vars '{kmeans: {n_init: ...}}'",
    ]
    # every renamed setting is caught, and only names that really moved are listed
    for old, new in renamed().items():
        assert old != new
        assert problems_of({old: 1}) == [settings_module.renamed_problem(old, new)]


def test_unknown_names_get_the_closest_known_name() -> None:
    assert problems_of({"n_cluster": 3}) == ["unknown var 'n_cluster'; did you mean 'n_clusters'?"]
    assert problems_of({"k_selection": {"maxx": 3}}) == [
        "unknown var 'k_selection.maxx'; did you mean 'k_selection.max'?"
    ]
    (problem,) = problems_of({"drift": {"zzzzzzzzzz": 1}})
    assert problem.startswith("unknown var 'drift.zzzzzzzzzz' (known: drift.baseline, ")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_vars({"n_clusters": 0, "kmeans": {"n_init": 0}, "drift_baseline": "first"})
    text = str(raised.value)
    assert text.startswith("Invalid configuration (3 problems):\n  - ")
    assert len(raised.value.problems) == 3


def test_cross_checks() -> None:
    assert problems_of({"drift": {"psi_warn": 0.3}}) == [
        "var 'drift.psi_alert' (0.25) must be at least drift.psi_warn (0.3)"
    ]
    assert problems_of({"k_selection": {"min": 5, "max": 4}}) == [
        "var 'k_selection.min' (5) must be at most k_selection.max (4)"
    ]
    # equal thresholds are fine
    assert Settings.from_vars({"drift": {"psi_warn": 0.25}}).drift.psi_warn == 0.25


def test_from_json_reads_a_python_models_config() -> None:
    settings = Settings.from_json('{"k_selection": {"max": 6}, "n_clusters": "auto"}')
    assert settings.k_selection.max == 6 and settings.n_clusters == "auto"
    assert Settings.from_json({"kmeans": {"n_init": 2}}).kmeans.n_init == 2
    assert Settings.from_json("") == Settings()
    with pytest.raises(SettingsError, match="must be a JSON object"):
        Settings.from_json("[1, 2]")


def test_to_vars_round_trips() -> None:
    settings = Settings.from_vars({"k_selection": {"max": 6}, "features": {"set": "engineered"}})
    assert Settings.from_vars(settings.to_vars()) == settings


def test_requirement_texts() -> None:
    assert Spec("integer", "x", minimum=1).requirement() == "an integer >= 1"
    assert Spec("number", "x", maximum=1).requirement() == "a number <= 1"
    assert Spec("number", "x", maximum=1, exclusive_maximum=True).requirement() == "a number < 1"
    assert Spec("string", "x", nullable=True).requirement() == "a string (or empty)"


def test_jinja_literal_is_read_back_by_jinja() -> None:
    jinja2 = pytest.importorskip("jinja2")
    value = {"a": [1, 2.5, None, True, False], "b": {"c": 'it\'s "quoted"'}, "d": {}, "e": []}
    template = jinja2.Environment().from_string("{{ (" + jinja_literal(value, 4) + ") | tojson }}")
    import json

    assert json.loads(template.render()) == value


def test_generated_macro_returns_the_definition() -> None:
    """The macro, rendered by Jinja (as dbt does), gives back defaults, renames and rules."""
    jinja2 = pytest.importorskip("jinja2")
    import json

    text = render_macro()
    body = text[text.index("{% macro") :]
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    captured: dict[str, object] = {}

    def capture(value: object) -> str:
        captured["value"] = value
        return ""

    template = environment.from_string(body + "{{ settings_definition() }}")
    template.render(**{"return": capture})
    data = captured["value"]
    assert isinstance(data, dict)
    assert json.loads(json.dumps(data)) == settings_module.definition_data()
    assert data["defaults"] == Settings().to_vars()
    assert list(data["groups"]) == list(GROUPS)


def test_generated_files_are_up_to_date() -> None:
    stale = stale_files(PROJECT_DIR)
    assert stale == [], (
        f"{[str(path) for path in stale]} out of date: "
        "run `.venv/bin/python -m customer_segmentation.settings --write`"
    )


def test_check_command_fails_on_a_stale_file(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "configuration.md").write_text(
        "# Configuration\n\n<!-- settings-table:start -->\nold\n<!-- settings-table:end -->\n"
    )
    assert settings_module.main(["--check", "--project-dir", str(tmp_path)]) == 1
    assert settings_module.main(["--write", "--project-dir", str(tmp_path)]) == 0
    assert settings_module.main(["--check", "--project-dir", str(tmp_path)]) == 0
    table = (tmp_path / "docs" / "configuration.md").read_text()
    assert "| `k_selection.max` | `10` | an integer between 1 and 50 |" in table
    assert "old" not in table.split("<!-- settings-table:start -->")[1]


def test_warn_only_choices_match_the_validation_rules_macro() -> None:
    macro = (PROJECT_DIR / "macros").rglob("cc_general_validation_rules.sql")
    text = next(macro).read_text()
    block = re.search(r'"warn_only_allowed": \[(.*?)\]', text, re.S)
    assert block is not None
    assert tuple(re.findall(r'"([a-z_]+)"', block.group(1))) == WARN_ONLY_ALLOWED


def test_dbt_project_declares_the_top_level_settings_with_their_defaults() -> None:
    """dbt_project.yml declares exactly the top-level settings (dbt reads them while parsing
    YAML, where no macro runs), with the definition's defaults; groups live only in the
    definition (setting() merges them)."""
    yaml = pytest.importorskip("yaml")
    declared = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    top_level = {d.name: d.default for d in definitions() if d.group is None}
    assert declared == top_level
    assert not set(declared) & set(GROUPS)
