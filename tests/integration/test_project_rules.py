"""The project's conventions as code (issue 17), in the spirit of dbt-project-evaluator (which
cannot be installed here): checked on `target/manifest.json` of a parse with the default vars
(CC GENERAL input) and one with `input_format: ledger`, so every model is seen enabled once.

A rule that has a justified exception lists it below with its reason; anything else fails with
the model's file and what to change. docs/contributing.md explains the layout these rules keep.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]

#: Layer folder -> the prefix its model names carry ("" = marts: plain business names).
LAYER_PREFIXES = {"staging": "stg_", "intermediate": "int_", "ml": "ml_", "marts": ""}
#: Which layers a layer may read (seeds and snapshots are allowed everywhere but staging).
LAYER_READS = {
    "staging": set(),
    "intermediate": {"staging", "intermediate"},
    "ml": {"intermediate", "ml"},
    "marts": {"intermediate", "ml", "marts"},
    "utilities": set(),
}
#: Marts that read another mart, and why. Anything else reads the ml / intermediate layer.
MART_READS_MART = {
    ("run_summary", "quarantine"): "the run's row summary counts the quarantine's findings",
    ("customer_segment_transitions", "customer_segment_memberships"): (
        "history marts derive from the run x customer memberships, the history's one grain"
    ),
    ("segment_migrations", "customer_segment_memberships"): "as above",
    ("segment_share_changes", "customer_segment_memberships"): "as above",
    ("segment_audience_changes", "customer_segment_memberships"): "as above",
    ("customer_ledger_features", "customer_segments"): (
        "the ledger mart extends each segmented customer with the ledger features it came from"
    ),
    ("rfm_segment_crosswalk", "customer_ledger_features"): (
        "the crosswalk counts customers by RFM cell x segment of the ledger mart"
    ),
}
#: Models allowed more direct children than MAX_CHILDREN, and why.
MAX_CHILDREN = 6
MANY_CHILDREN = {
    "ml_customer_scores": "every customer's assignment: the one wide scored relation (a view)",
    "ml_fit_run": "the run's identity (id, time, settings) that every run-stamped table carries",
    "ml_segment_personas": "the segment dimension: every mart that names a segment joins it",
    "ml_lifecycle_run": "fit or score run: each Python fit model reads it to fit or load a model",
    "ml_model_registry": "the lifecycle decision reads it when a node is compiled: a node that is"
    " not upstream of it runs after it (test_nodes_that_read_the_registry_run_before_or_after_it)",
}
#: Grains checked by a unique test or a primary-key constraint; models without one, and why.
NO_GRAIN_TEST = {
    "metricflow_time_spine": "MetricFlow's date spine (unique by construction of the range)",
    "ml_surrogate_tree_expression": "one row per run: the fitted tree as one CASE expression",
    "int_ledger_window": "one row per run: the activity window",
    "ledger_reconciliation": "one row per run: line and customer counts that must add up",
    # Grain guaranteed by construction (issue 18, docs/lean-build.md): a test here would re-check,
    # with a scan per build, what the upstream grain test and the SQL already guarantee.
    "stg_cc_general__customers": "source_row_number is row_number() over the file",
    "int_repeated_customer_ids": "grouped by customer_id: one row per id",
    "int_customer_rows_checked": "view: int_customer_row_issues (grain tested) left-joined on"
    " the group key of int_repeated_customer_ids, so no row is repeated",
    "int_customers_base_features": "1:1 projection of int_customers_validated (grain tested)",
    "int_customers_imputed": "view, 1:1 over int_customers_base_features",
    "int_customers_engineered": "1:1 over int_customers_imputed",
    "int_customers_standardized": "view, 1:1 over int_customers_engineered",
    "int_customers_fit_sample": "a limited subset of int_customers_standardized",
    "int_customers_diagnostics_sample": "a limited subset of int_customers_fit_sample",
    "ml_fit_run": "one row per run: an aggregate without group by",
    "segmentation_run": "one row per run: ml_fit_run as published",
    "run_summary": "one row per run: an aggregate of the row checks",
    "ml_customer_scores": "view, 1:1 over int_customers_standardized; customer_segments is tested",
    "ml_surrogate_tree_training": "view, 1:1 over ml_customer_scores",
}

#: A relation with a row per customer or per input row: a model with one of these columns, or a
#: SQL model that reads one without aggregating. Such a CTE read twice in one query is held in
#: memory by DuckDB (100M customers ran out of its 1 GB default: docs/lean-build.md, "Bounded
#: memory"); read the model itself in each pass, filter or aggregate first, or count in one pass.
ROW_KEYS = {"customer_id", "source_row_number"}
#: Models with customer rows that are bounded samples, and their bound.
BOUNDED_SAMPLES = {
    "ml_customer_silhouettes": "the seeded silhouette sample",
    "ml_surrogate_tree_training": "the diagnostics sample with its segments",
}
#: Per-row CTEs read more than once, and why.
ROW_CTES_READ_TWICE = {
    ("quarantine", "checked_rows"): "only the input rows with a finding (where n_issues > 0)",
}


def _manifest(
    run: Callable[[list[str], dict[str, str]], tuple[int, str]],
    name: str,
    variables: dict | None,
    unit_tests: bool = False,
) -> dict:
    """`dbt parse` (through `run`, the harness's dbt_command_runner) into a stable folder of its
    own (partial parsing between runs), with the SQL unit tests enabled
    (SEGMENTATION_UNIT_TESTS=true) or as in a user's plain build."""
    target = PROJECT_DIR / "target" / "pytest" / f"rules-{name}"
    command = ["parse", "--quiet", "--target-path", str(target)]
    command += ["--log-path", str(target)]
    if variables:
        command += ["--vars", json.dumps(variables)]
    env = {key: value for key, value in os.environ.items() if key != "SEGMENTATION_UNIT_TESTS"}
    env |= {"SEGMENTATION_DB": str(target / "parse.duckdb")}
    if unit_tests:
        env["SEGMENTATION_UNIT_TESTS"] = "true"
    returncode, output = run(command, env)
    assert returncode == 0, output
    return json.loads((target / "manifest.json").read_text())


@pytest.fixture(scope="module")
def manifests(dbt_command_runner) -> list[dict]:
    ledger = {"input_format": "ledger", "features": {"set": "transactions"}}
    return [
        _manifest(dbt_command_runner, "default", None),
        _manifest(dbt_command_runner, "ledger", ledger, unit_tests=True),
    ]


def test_unit_tests_run_only_when_asked_for(manifests: list[dict]) -> None:
    """A plain `dbt build` runs no SQL unit test (they test code, not data: `make test` runs
    them); SEGMENTATION_UNIT_TESTS=true enables every one of them, the input format's own."""
    default, ledger = manifests
    assert default["unit_tests"] == {}
    disabled = {uid for uid in default["disabled"] if uid.startswith("unit_test.")}
    enabled = set(ledger["unit_tests"])
    assert len(disabled) >= 20
    # with the variable set, the CC GENERAL tests stay enabled under the ledger vars unless
    # they test a model of the other input format, and the ledger's own are enabled
    assert any("ledger" in uid for uid in enabled)
    assert len(enabled) >= 20


def _enabled(manifests: list[dict], resource_type: str) -> dict[str, dict]:
    """Every enabled node of this project of `resource_type`, by unique id, over both parses."""
    nodes: dict[str, dict] = {}
    for manifest in manifests:
        for unique_id, node in manifest["nodes"].items():
            if node["resource_type"] == resource_type and node["package_name"] == "segmentation":
                nodes.setdefault(unique_id, node)
    return nodes


def _layer(node: dict) -> str:
    parts = Path(node["original_file_path"]).parts
    return parts[1] if parts[0] == "models" else parts[0]


def _name(unique_id: str) -> str:
    return unique_id.split(".")[-1]


def test_both_parses_see_every_model(manifests: list[dict]) -> None:
    files = {p.stem for p in (PROJECT_DIR / "models").rglob("*") if p.suffix in (".sql", ".py")}
    seen = {node["name"] for node in _enabled(manifests, "model").values()}
    assert files == seen, f"model files never enabled in either parse: {sorted(files - seen)}"


def test_only_staging_reads_sources(manifests: list[dict]) -> None:
    offenders = [
        f"{node['original_file_path']} reads {dep}"
        for node in _enabled(manifests, "model").values()
        for dep in node["depends_on"]["nodes"]
        if dep.startswith("source.") and _layer(node) != "staging"
    ]
    assert not offenders, "only models/staging/ may call source():\n" + "\n".join(offenders)


def test_names_follow_their_layer(manifests: list[dict]) -> None:
    offenders = []
    for node in _enabled(manifests, "model").values():
        layer, name = _layer(node), node["name"]
        prefix = LAYER_PREFIXES.get(layer)
        if prefix is None:
            continue
        if prefix and not name.startswith(prefix):
            offenders.append(f"{node['original_file_path']}: a {layer} model is named {prefix}*")
        if not prefix and re.match(r"(stg|int|ml)_", name):
            offenders.append(f"{node['original_file_path']}: a mart has a business name")
        if layer == "staging" and not re.fullmatch(r"stg_[a-z0-9_]+__[a-z0-9_]+", name):
            offenders.append(f"{node['original_file_path']}: staging is stg_<source>__<entity>")
    assert not offenders, "\n".join(offenders)


def test_layers_read_only_upstream_layers(manifests: list[dict]) -> None:
    nodes = _enabled(manifests, "model")
    offenders = []
    for node in nodes.values():
        layer = _layer(node)
        for dep in node["depends_on"]["nodes"]:
            if not dep.startswith("model."):
                continue
            dep_node = nodes.get(dep)
            if dep_node is None:
                continue
            dep_layer = _layer(dep_node)
            if dep_layer not in LAYER_READS.get(layer, set()):
                offenders.append(f"{node['name']} ({layer}) reads {dep_node['name']} ({dep_layer})")
            edge = (node["name"], dep_node["name"])
            if layer == dep_layer == "marts" and edge not in MART_READS_MART:
                offenders.append(
                    f"{node['name']} reads the mart {dep_node['name']}: read the ml or "
                    "intermediate model it comes from, or list the edge with a reason"
                )
    assert not offenders, "\n".join(offenders)


def test_listed_exceptions_still_exist(manifests: list[dict]) -> None:
    """A listed exception that no longer happens is removed, so the lists stay true."""
    nodes = _enabled(manifests, "model")
    edges = {
        (node["name"], _name(dep)) for node in nodes.values() for dep in node["depends_on"]["nodes"]
    }
    assert not set(MART_READS_MART) - edges
    names = {node["name"] for node in nodes.values()}
    assert set(MANY_CHILDREN) <= names and set(NO_GRAIN_TEST) <= names


def test_no_model_has_too_many_children(manifests: list[dict]) -> None:
    children: dict[str, set[str]] = defaultdict(set)
    for manifest in manifests:
        for node in manifest["nodes"].values():
            if node["resource_type"] in ("model", "snapshot"):
                for dep in node["depends_on"]["nodes"]:
                    children[_name(dep)].add(node["name"])
    offenders = [
        f"{name}: {len(kids)} children ({', '.join(sorted(kids))})"
        for name, kids in children.items()
        if len(kids) > MAX_CHILDREN and name not in MANY_CHILDREN
    ]
    assert not offenders, f"more than {MAX_CHILDREN} direct children:\n" + "\n".join(offenders)


def test_every_model_and_column_is_described(manifests: list[dict]) -> None:
    offenders = []
    for node in _enabled(manifests, "model").values():
        if not node["description"].strip():
            offenders.append(f"{node['original_file_path']}: model has no description")
        for column, spec in node["columns"].items():
            if not spec["description"].strip():
                offenders.append(f"{node['name']}.{column}: column has no description")
    assert not offenders, "\n".join(offenders)


def test_model_prose_lives_in_doc_blocks_and_is_said_once(manifests: list[dict]) -> None:
    """Each model's description is a `{% docs %}` block beside the model (one home, reusable
    from docs/), and no column description of more than a few words is written twice: shared
    prose is one doc block that both columns reference."""
    offenders = []
    seen: dict[str, str] = {}
    for node in _enabled(manifests, "model").values():
        if not node.get("doc_blocks"):
            offenders.append(f"{node['name']}: description is not a doc block")
        for column, spec in node["columns"].items():
            text = spec["description"].strip()
            if spec.get("doc_blocks") or len(text.split()) < 8:
                continue
            where = f"{node['name']}.{column}"
            if text in seen:
                offenders.append(f"{where} repeats {seen[text]}: use one doc block")
            seen.setdefault(text, where)
    assert not offenders, "\n".join(offenders)


def test_every_grain_is_unique_and_not_null(manifests: list[dict]) -> None:
    """Each model's grain carries a unique test (unique_combination, or primary_key: unique and
    not null together) and its columns are not null (test or contract constraint)."""
    tests: dict[str, set[str]] = defaultdict(set)
    for manifest in manifests:
        for node in manifest["nodes"].values():
            if node["resource_type"] == "test" and node.get("test_metadata"):
                kinds = {node["test_metadata"]["name"]}
                # primary_key: unique and not null in one node (macros/generic_tests)
                if kinds == {"primary_key"}:
                    kinds = {"unique", "not_null"}
                # row_rules checks its `not_null` columns in the same scan as its other rules,
                # its `keys` as primary_key does and its `unique` as unique_combination does
                arguments = node["test_metadata"]["kwargs"]
                if arguments.get("not_null"):
                    kinds.add("not_null")
                if arguments.get("keys"):
                    kinds |= {"unique", "not_null"}
                if arguments.get("unique"):
                    kinds.add("unique_combination")
                for dep in node["depends_on"]["nodes"]:
                    tests[dep] |= kinds
    offenders = []
    for unique_id, node in _enabled(manifests, "model").items():
        if node["name"] in NO_GRAIN_TEST:
            continue
        kinds = tests[unique_id]
        constraints = {
            constraint["type"]
            for spec in node["columns"].values()
            for constraint in spec.get("constraints", [])
        } | {constraint["type"] for constraint in node.get("constraints", [])}
        if not kinds & {"unique", "unique_combination"} and "primary_key" not in constraints:
            offenders.append(f"{node['original_file_path']}: no unique test on its grain")
        if "not_null" not in kinds and not constraints & {"not_null", "primary_key"}:
            offenders.append(f"{node['original_file_path']}: no not_null test or constraint")
    assert not offenders, "\n".join(offenders)


def test_every_folder_has_its_own_yaml(manifests: list[dict]) -> None:
    """One `_<dir>__models.yml` per model folder, holding the models of that folder only."""
    offenders = []
    for node in _enabled(manifests, "model").values():
        folder = Path(node["original_file_path"]).parent
        expected = folder / f"_{folder.name}__models.yml"
        patch = (node.get("patch_path") or "").split("://")[-1]
        if Path(patch) != expected:
            offenders.append(f"{node['name']} is described in {patch}, expected {expected}")
    for macro in manifests[0]["macros"].values():
        if macro["package_name"] != "segmentation" or not macro.get("patch_path"):
            continue
        folder = Path(macro["original_file_path"]).parent
        expected = folder / f"_{folder.name}__macros.yml"
        patch = macro["patch_path"].split("://")[-1]
        if Path(patch) != expected:
            offenders.append(f"macro {macro['name']} is described in {patch}, not {expected}")
    assert not offenders, "\n".join(offenders)


def test_jinja_and_python_column_catalogues_agree() -> None:
    """The CC GENERAL columns have two readers, dbt (macros/features/cc_general_columns.sql) and
    the package (customer_segmentation.schema): they list the same columns in the same order."""
    from customer_segmentation.schema import CC_GENERAL_FEATURES, sql_name

    text = (PROJECT_DIR / "macros" / "features" / "cc_general_columns.sql").read_text()
    pairs = re.findall(r'\{"source": "([A-Z_]+)", "name": "([a-z_]+)"\}', text)
    assert pairs == [(column, sql_name(column)) for column in CC_GENERAL_FEATURES]


_CTE = re.compile(r"(?m)^(\w+) as \(\n(.*?)\n^\)", re.S)
_REF = re.compile(r"ref\(\s*'(\w+)'\s*\)")
_MACRO_CALL = re.compile(r"\{\{-?\s*(\w+)\(")
_AGGREGATE = re.compile(r"\b(count|sum|avg|min|max|quantile|median|exact_\w+)\s*\(")
_LOOP = re.compile(r"\{%-?\s*for\b.*?\{%-?\s*endfor\s*-?%\}", re.S)


def _is_reducing(sql: str) -> bool:
    """Whether a query (or CTE body) returns fewer rows than it reads: grouped, distinct,
    limited, or aggregated without a window."""
    if re.search(r"group by|select distinct|\blimit\b", sql):
        return True
    return bool(_AGGREGATE.search(sql)) and " over (" not in sql


def _row_relations(manifests: list[dict]) -> set[str]:
    models = {node["name"]: node for node in _enabled(manifests, "model").values()}
    rows = {
        name
        for name, node in models.items()
        if ROW_KEYS & set(node["columns"]) and name not in BOUNDED_SAMPLES
    }
    changed = True
    while changed:  # 1:1 views and projections over a per-row model are per-row too
        changed = False
        for name, node in models.items():
            if name in rows or name in BOUNDED_SAMPLES or node["language"] != "sql":
                continue
            parents = {_name(dep) for dep in node["depends_on"]["nodes"]}
            if parents & rows and not _is_reducing(_without_comments(node["raw_code"])):
                rows.add(name)
                changed = True
    return rows


def _without_comments(code: str) -> str:
    return re.sub(r"--[^\n]*", "", re.sub(r"\{#.*?#\}", "", code, flags=re.S))


def _row_ctes_read_twice(code: str, rows: set[str], macros: dict[str, str]) -> list[str]:
    """The per-row CTEs of one model's SQL that are read (from / join) more than once; a read
    inside a Jinja loop counts twice (it is rendered once per iteration)."""
    loops = [(m.start(), m.end()) for m in _LOOP.finditer(code)]
    row_ctes: list[str] = []
    sample_ctes: set[str] = set()
    offenders = []
    for definition in _CTE.finditer(code):
        name, body = definition.group(1), definition.group(2)
        expanded = body + "".join(macros.get(call, "") for call in _MACRO_CALL.findall(body))
        refs = set(_REF.findall(expanded))
        reads = set(re.findall(r"\b(?:from|join)\s+(\w+)", body))
        if refs & set(BOUNDED_SAMPLES) or set(re.findall(r"inner join (\w+)", body)) & sample_ctes:
            sample_ctes.add(name)  # a sample, or rows joined to one
            continue
        if _is_reducing(body) or not (refs & rows or reads & set(row_ctes)):
            continue
        row_ctes.append(name)
        later = re.finditer(rf"\b(?:from|join)\s+{name}\b", code[definition.end() :])
        positions = [definition.end() + read.start() for read in later]
        in_loop = [any(start <= at < end for start, end in loops) for at in positions]
        if len(positions) + sum(in_loop) > 1:
            offenders.append(name)
    return offenders


def test_no_per_row_cte_is_read_twice(manifests: list[dict]) -> None:
    """A CTE with a row per customer (or input row) is read once per query; see ROW_KEYS."""
    rows = _row_relations(manifests)
    macros = {
        macro["name"]: macro["macro_sql"]
        for manifest in manifests
        for macro in manifest["macros"].values()
        if macro["package_name"] == "segmentation"
    }
    found = set()
    for node in _enabled(manifests, "model").values():
        if node["language"] == "sql":
            code = _without_comments(node["raw_code"])
            found |= {(node["name"], cte) for cte in _row_ctes_read_twice(code, rows, macros)}
    offenders = [
        f"{model}: CTE {cte} has a row per customer and is read more than once"
        for model, cte in sorted(found - set(ROW_CTES_READ_TWICE))
    ]
    assert not offenders, "\n".join(offenders)
    gone = sorted(set(ROW_CTES_READ_TWICE) - found)
    assert not gone, f"listed exceptions that no longer happen: {gone}"


#: The model whose table the lifecycle decision reads when other nodes are compiled.
REGISTRY = "model.segmentation.ml_model_registry"


def _closure(graph: dict[str, dict], start: list[str], key: str) -> set[str]:
    """Every name reachable from `start` through graph[name]["depends_on"][key]."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name not in seen and name in graph:
            seen.add(name)
            todo += graph[name].get("depends_on", {}).get(key, [])
    return seen


def test_nodes_that_read_the_registry_run_before_or_after_it(manifests: list[dict]) -> None:
    """A node whose compile calls lifecycle_decision() reads ml_model_registry; a node neither
    upstream nor downstream of the registry can be compiled while the registry is rewritten, and
    on Spark that read fails (FAILED_READ_FILE.FILE_NOT_EXIST: make test-spark, 2026-12-02).
    Such a node calls `{{ registry_dependency() }}` (a depends_on comment on the registry)."""
    for manifest in manifests:
        nodes, macros = manifest["nodes"], manifest["macros"]
        if REGISTRY not in nodes:
            continue
        upstream = _closure(nodes, nodes[REGISTRY]["depends_on"]["nodes"], "nodes")
        readers = [
            unique_id
            for unique_id, node in nodes.items()
            if node["resource_type"] in ("model", "snapshot")
            and "macro.segmentation.lifecycle_registered_runs"
            in _closure(macros, node["depends_on"]["macros"], "macros")
        ]
        assert len(readers) > 10  # the rule looks at the nodes it is about
        unordered = sorted(
            _name(reader)
            for reader in readers
            if reader != REGISTRY
            and reader not in upstream
            and REGISTRY not in _closure(nodes, nodes[reader]["depends_on"]["nodes"], "nodes")
        )
        assert not unordered, f"compiled while ml_model_registry may be rewritten: {unordered}"
