"""Bad input: row-level validation (quarantine), file-level errors, model-level guards and
config validation. Every malformed file is generated here and each case asserts its exact
outcome: the reason codes, columns, values and counts, or the exact error message."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from customer_segmentation.generator import generate_customers
from customer_segmentation.schema import CC_GENERAL_COLUMNS, CC_GENERAL_FEATURES
from customer_segmentation.settings import Settings

VALIDATION_ONLY = [
    "build",
    "--select",
    "+quarantine",
    "+int_customers_validated",
    "+run_summary",
    "--indirect-selection",
    "cautious",
]
FILE_CHECK_ONLY = ["run", "--select", "stg_cc_general__customers"]


def valid_rows(n_rows: int, seed: int) -> list[dict[str, str]]:
    """Realistic rows that pass every check, as the text a CSV file holds."""
    frame = generate_customers(n_rows, seed=seed)[list(CC_GENERAL_COLUMNS)]
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    return text.to_dict("records")


def write_rows(path: Path, rows: list[dict[str, str]], columns=CC_GENERAL_COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


# ---------------------------------------------------------------------------------------------
# Row-level validation: one file, one row per case after 30 valid rows.
# Each case: (name, changes to a valid row, expected findings (reason_code, column, value),
# expected fate of the row: "q" quarantined, "kept" kept with a warning (the soft checks of the
# default warn_only_checks), "clean"). "{id}" in a value is the row's own customer id.
N_VALID = 30
ROW_CASES = [
    ("missing_customer_id", {"CUST_ID": ""}, [("missing_customer_id", "CUST_ID", None)], "q"),
    (
        "missing_customer_id_blank",
        {"CUST_ID": "   "},
        [("missing_customer_id", "CUST_ID", None)],
        "q",
    ),
    (
        "non_numeric_value",
        {"BALANCE": "12,5 EUR"},
        [("non_numeric_value", "BALANCE", "12,5 EUR")],
        "q",
    ),
    ("nan_value", {"PAYMENTS": "NaN"}, [("non_finite_value", "PAYMENTS", "NaN")], "q"),
    ("infinite_value", {"CREDIT_LIMIT": "inf"}, [("non_finite_value", "CREDIT_LIMIT", "inf")], "q"),
    ("overflowing_value", {"BALANCE": "1e999"}, [("non_finite_value", "BALANCE", "1e999")], "q"),
    (
        "negative_amount",
        {"CASH_ADVANCE": "-5.5"},
        [("negative_amount", "CASH_ADVANCE", "-5.5")],
        "q",
    ),
    ("negative_count", {"PURCHASES_TRX": "-1"}, [("negative_count", "PURCHASES_TRX", "-1")], "q"),
    (
        "frequency_above_one",
        {"CASH_ADVANCE_FREQUENCY": "1.5"},
        [("frequency_out_of_range", "CASH_ADVANCE_FREQUENCY", "1.5")],
        "kept",
    ),
    (
        "frequency_below_zero",
        {"PRC_FULL_PAYMENT": "-0.1"},
        [("frequency_out_of_range", "PRC_FULL_PAYMENT", "-0.1")],
        "kept",
    ),
    (
        "purchases_mismatch",
        {"PURCHASES": "700", "ONEOFF_PURCHASES": "50", "INSTALLMENTS_PURCHASES": "50"},
        [("purchases_mismatch", "PURCHASES", "700 <> 50 + 50")],
        "kept",
    ),
    (
        "purchases_within_tolerance",
        {"PURCHASES": "100.005", "ONEOFF_PURCHASES": "50", "INSTALLMENTS_PURCHASES": "50"},
        [],
        "clean",
    ),
    ("tenure_zero", {"TENURE": "0"}, [("tenure_out_of_range", "TENURE", "0")], "q"),
    ("tenure_thirteen", {"TENURE": "13"}, [("tenure_out_of_range", "TENURE", "13")], "q"),
    ("tenure_fraction", {"TENURE": "6.5"}, [("tenure_out_of_range", "TENURE", "6.5")], "q"),
    ("empty_value_is_imputed", {"MINIMUM_PAYMENTS": "", "CREDIT_LIMIT": " "}, [], "clean"),
    # Spaces around a number do not matter; around text, the finding shows the trimmed text.
    ("padded_numbers", {"BALANCE": " 12.5 ", "TENURE": " 12 "}, [], "clean"),
    (
        "padded_non_numeric_value",
        {"CASH_ADVANCE": " abc "},
        [("non_numeric_value", "CASH_ADVANCE", "abc")],
        "q",
    ),
    (
        "two_problems_in_one_row",
        {"BALANCE": "-1", "TENURE": "20"},
        [("negative_amount", "BALANCE", "-1"), ("tenure_out_of_range", "TENURE", "20")],
        "q",
    ),
    (
        "duplicate_of_a_valid_row",
        {"CUST_ID": "C10001"},
        [("duplicate_customer_id", "CUST_ID", "C10001 (kept: row 1)")],
        "q",
    ),
]
# A customer whose first row is invalid and second row valid: the valid row is kept.
DUPLICATE_OF_INVALID = {"CUST_ID": "C90000", "BALANCE": "oops"}
DUPLICATE_OF_INVALID_AGAIN = {"CUST_ID": "C90000"}


@pytest.fixture(scope="module")
def malformed_rows_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    rows = valid_rows(N_VALID + len(ROW_CASES) + 2, seed=11)
    case_rows = {}
    for index, (name, changes, _, _) in enumerate(ROW_CASES):
        row = rows[N_VALID + index]
        row.update(changes)
        case_rows[name] = N_VALID + index + 1  # 1-based data row number
    rows[-2].update(DUPLICATE_OF_INVALID)
    rows[-1].update(DUPLICATE_OF_INVALID_AGAIN)
    path = write_rows(tmp_path_factory.mktemp("rows") / "malformed_rows.csv", rows)
    return path, case_rows


@pytest.fixture(scope="module")
def row_level_build(dbt_runner: Callable, malformed_rows_csv, schedule_environment):
    path, _ = malformed_rows_csv
    return dbt_runner(VALIDATION_ONLY, env=schedule_environment(path))


def tables_in(build) -> list[str]:
    """Tables and views in the build's database (none when dbt never created the file)."""
    if not build.database.exists():
        return []
    return build.query("select table_name from information_schema.tables")["table_name"].tolist()


def findings_of(build, row_number: int) -> list[tuple]:
    frame = build.query(
        "select reason_code, column_name, column_value, row_action from marts_build.quarantine "
        f"where source_row_number = {row_number} order by reason_code, column_name"
    )
    return [
        (r.reason_code, r.column_name, None if pd.isna(r.column_value) else r.column_value)
        for r in frame.itertuples()
    ], set(frame["row_action"])


@pytest.mark.parametrize(
    ("name", "expected", "fate"),
    [(name, expected, fate) for name, _, expected, fate in ROW_CASES],
    ids=[case[0] for case in ROW_CASES],
)
def test_each_malformed_row_gets_its_exact_reason(
    row_level_build, malformed_rows_csv, name, expected, fate
) -> None:
    _, case_rows = malformed_rows_csv
    row_number = case_rows[name]
    findings, actions = findings_of(row_level_build, row_number)
    assert findings == sorted(expected)
    clean = row_level_build.query(
        "select count(*) as n from intermediate.int_customers_validated"
        f" where source_row_number = {row_number}"
    )["n"].iloc[0]
    if fate == "q":
        assert actions == {"quarantined"} and clean == 0
    elif fate == "kept":
        assert actions == {"kept"} and clean == 1
    else:
        assert actions == set() and clean == 1


def test_duplicate_rule_keeps_the_first_valid_row(row_level_build, malformed_rows_csv) -> None:
    path, _ = malformed_rows_csv
    n_rows = len(pd.read_csv(path))
    first, second = n_rows - 1, n_rows  # C90000: invalid first row, valid second row
    assert findings_of(row_level_build, first)[0] == [("non_numeric_value", "BALANCE", "oops")]
    assert findings_of(row_level_build, second)[0] == []
    kept = row_level_build.query(
        "select source_row_number from intermediate.int_customers_validated"
        " where customer_id = 'C90000'"
    )
    assert kept["source_row_number"].tolist() == [second]


def test_values_are_parsed_once_and_text_kept_only_where_reported(
    row_level_build, malformed_rows_csv
) -> None:
    """Padded numbers parse as numbers; int_customer_rows_checked keeps a value's trimmed text
    only where quarantine reports it (the one table the file is parsed into)."""
    _, case_rows = malformed_rows_csv
    padded = row_level_build.query(
        "select balance, tenure from intermediate.int_customers_validated"
        f" where source_row_number = {case_rows['padded_numbers']}"
    )
    assert padded.to_dict("records") == [{"balance": 12.5, "tenure": 12.0}]
    texts = row_level_build.query(
        "select source_row_number, balance_text, cash_advance_text, purchases_text,"
        " oneoff_purchases_text, installments_purchases_text, tenure_text"
        " from intermediate.int_customer_rows_checked"
    ).set_index("source_row_number")
    assert texts.loc[case_rows["non_numeric_value"], "balance_text"] == "12,5 EUR"
    assert texts.loc[case_rows["padded_non_numeric_value"], "cash_advance_text"] == "abc"
    assert texts.loc[
        case_rows["purchases_mismatch"],
        ["purchases_text", "oneoff_purchases_text", "installments_purchases_text"],
    ].tolist() == ["700", "50", "50"]
    assert texts.loc[case_rows["tenure_zero"], "tenure_text"] == "0"
    # rows and values without a finding keep no text
    assert texts.loc[1].isna().all()
    assert texts.loc[case_rows["padded_numbers"]].isna().all()
    assert pd.isna(texts.loc[case_rows["tenure_zero"], "balance_text"])


def test_messages_and_reconciliation_on_the_malformed_file(row_level_build, malformed_rows_csv):
    path, _ = malformed_rows_csv
    n_input = len(pd.read_csv(path, dtype=str, keep_default_na=False))
    quarantine = row_level_build.query("select * from marts_build.quarantine")
    n_quarantined = quarantine.loc[quarantine.row_action == "quarantined", "source_row_number"]
    n_clean = len(row_level_build.query("select * from intermediate.int_customers_validated"))
    expected_quarantined = sum(fate == "q" for *_, fate in ROW_CASES) + 1  # + invalid C90000
    assert n_quarantined.nunique() == expected_quarantined
    assert n_clean == n_input - expected_quarantined
    reasons = dict(zip(quarantine.reason_code, quarantine.reason, strict=False))
    assert reasons["negative_amount"].startswith("CASH_ADVANCE is a money amount") or reasons[
        "negative_amount"
    ].startswith("BALANCE is a money amount")
    row = quarantine[quarantine.reason_code == "purchases_mismatch"].iloc[0]
    assert row["reason"] == (
        "PURCHASES differs from ONEOFF_PURCHASES + INSTALLMENTS_PURCHASES by more than 0.01: "
        "700 <> 50 + 50"
    )
    row = quarantine[quarantine.column_value == "12,5 EUR"].iloc[0]
    assert row["reason"] == "BALANCE is not a number: 12,5 EUR"
    # the reconciliation data test ran in the build and passed
    assert "PASS assert_input_rows_reconcile_with_clean_and_quarantined" in row_level_build.output
    assert_row_summary(row_level_build, expected_summary(path))


SOFT_CHECKS = ("frequency_out_of_range", "purchases_mismatch")


def expected_summary(path: Path, warn_only: tuple[str, ...] = SOFT_CHECKS) -> dict:
    """The run_summary row, recomputed with pandas from the file (pandas_findings + the
    duplicate rule: among the rows without a blocking finding, the first row of an id is kept)."""
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    findings = pandas_findings(path)
    blocking = {row for row, code, _ in findings if code not in warn_only}
    ids = text["CUST_ID"].str.strip()
    seen: set[str] = set()
    duplicates = set()
    for row, customer_id in enumerate(ids, start=1):
        if row in blocking or customer_id == "":
            continue
        if customer_id in seen:
            duplicates.add(row)
        seen.add(customer_id)
    quarantined = blocking | duplicates
    reasons: dict[str, set[int]] = {}
    for row, code, _ in findings:
        if row in quarantined:
            reasons.setdefault(code, set()).add(row)
    if duplicates:
        reasons["duplicate_customer_id"] = duplicates
    ranked = sorted(reasons.items(), key=lambda item: (-len(item[1]), item[0]))
    kept = {row for row, _, _ in findings} - quarantined
    return {
        "rows_read": len(text),
        "rows_segmented": len(text) - len(quarantined),
        "rows_quarantined": len(quarantined),
        "rows_kept_with_warnings": len(kept),
        "quarantine_reasons": ", ".join(f"{code}: {len(rows)}" for code, rows in ranked),
    }


def assert_row_summary(build, expected: dict) -> None:
    """run_summary holds the pandas numbers and the build's log ends with the same line."""
    summary = build.query("select * from marts_build.run_summary")  # also of unpublished builds
    assert len(summary) == 1
    row = summary.iloc[0]
    assert {key: row[key] for key in expected} == expected
    reasons = f" ({expected['quarantine_reasons']})" if expected["quarantine_reasons"] else ""
    line = (
        f"Rows: {expected['rows_read']} rows read, {expected['rows_segmented']} segmented, "
        f"{expected['rows_quarantined']} quarantined{reasons}, "
        f"{expected['rows_kept_with_warnings']} kept with warnings"
    )
    assert line in build.output


def test_warn_only_checks_keep_and_report_rows(dbt_runner, malformed_rows_csv) -> None:
    """warn_only_checks replaces the default list: the soft checks not listed quarantine again
    (strict), a listed hard-but-downgradable check keeps its rows."""
    path, case_rows = malformed_rows_csv
    warn_only = ["non_numeric_value"]
    variables = {"customers_csv": str(path), "validation": {"warn_only_checks": warn_only}}
    build = dbt_runner(VALIDATION_ONLY, variables)
    quarantine = build.query("select * from marts_build.quarantine").set_index("source_row_number")
    clean = set(
        build.query("select * from intermediate.int_customers_validated")["source_row_number"]
    )
    for name in ["frequency_above_one", "frequency_below_zero", "purchases_mismatch"]:
        row_number = case_rows[name]
        assert quarantine.loc[row_number, "row_action"] == "quarantined"
        assert quarantine.loc[row_number, "is_blocking"]
        assert row_number not in clean
    # a non-numeric value on a kept row is treated as missing (imputed later)
    non_numeric = case_rows["non_numeric_value"]
    assert non_numeric in clean
    value = build.query(
        "select balance from intermediate.int_customers_validated"
        f" where source_row_number = {non_numeric}"
    )
    assert value["balance"].isna().all()
    # blocking checks still quarantine
    assert quarantine.loc[case_rows["tenure_zero"], "row_action"] == "quarantined"
    n_input = len(pd.read_csv(path))
    n_quarantined = quarantine[quarantine.row_action == "quarantined"].index.nunique()
    assert len(clean) + n_quarantined == n_input
    assert_row_summary(build, expected_summary(path, tuple(warn_only)))


# ---------------------------------------------------------------------------------------------
# The real file: default mode quarantines exactly what an independent pandas check finds.


def parse_number(text: str) -> float | None:
    """The value of a number as written ('NaN' and 'inf' included), None for empty or other text."""
    try:
        return float(text) if text else None
    except ValueError:
        return None


def pandas_findings(path: Path, tolerance: float = 0.01) -> set[tuple[int, str, str]]:
    """The validation rules, recomputed independently with pandas."""
    text = pd.read_csv(path, dtype=str, keep_default_na=False).apply(lambda c: c.str.strip())
    text.index = np.arange(1, len(text) + 1)
    features = text[list(CC_GENERAL_FEATURES)]
    # 'NaN' and 'inf' are numbers here (non-finite ones); other text is not a number
    is_numbers = features.map(lambda value: parse_number(value) is not None)
    values = features.map(parse_number).astype(float)
    findings = set()
    amounts = [
        "BALANCE",
        "PURCHASES",
        "ONEOFF_PURCHASES",
        "INSTALLMENTS_PURCHASES",
        "CASH_ADVANCE",
        "CREDIT_LIMIT",
        "PAYMENTS",
        "MINIMUM_PAYMENTS",
    ]
    shares = [c for c in CC_GENERAL_FEATURES if c.endswith("FREQUENCY")] + ["PRC_FULL_PAYMENT"]
    for column in CC_GENERAL_FEATURES:
        v = values[column]
        is_number = is_numbers[column]
        bad = (text[column] != "") & ~is_number
        findings |= {(i, "non_numeric_value", column) for i in v.index[bad]}
        finite = is_number & np.isfinite(v)
        findings |= {(i, "non_finite_value", column) for i in v.index[is_number & ~finite]}
        if column in amounts:
            findings |= {(i, "negative_amount", column) for i in v.index[finite & (v < 0)]}
        if column in ("CASH_ADVANCE_TRX", "PURCHASES_TRX"):
            findings |= {(i, "negative_count", column) for i in v.index[finite & (v < 0)]}
        if column in shares:
            out = finite & ((v < 0) | (v > 1))
            findings |= {(i, "frequency_out_of_range", column) for i in v.index[out]}
        if column == "TENURE":
            out = finite & ((v < 1) | (v > 12) | (v != np.floor(v)))
            findings |= {(i, "tenure_out_of_range", column) for i in v.index[out]}
    gap = (values.PURCHASES - values.ONEOFF_PURCHASES - values.INSTALLMENTS_PURCHASES).abs()
    findings |= {(i, "purchases_mismatch", "PURCHASES") for i in gap.index[gap > tolerance]}
    findings |= {(i, "missing_customer_id", "CUST_ID") for i in text.index[text.CUST_ID == ""]}
    return findings


def test_default_mode_reports_exactly_what_pandas_finds(dbt_runner, cc_general_csv) -> None:
    """By default the 27 CC GENERAL rows with soft findings are kept and reported; strict mode
    (warn_only_checks: []) quarantines exactly them."""
    build = dbt_runner(
        VALIDATION_ONLY,
        {"customers_csv": str(cc_general_csv), "validation": {"warn_only_checks": []}},
    )
    quarantine = build.query("select * from marts_build.quarantine")
    ours = set(
        zip(
            quarantine.source_row_number,
            quarantine.reason_code,
            quarantine.column_name,
            strict=True,
        )
    )
    expected = pandas_findings(cc_general_csv)
    assert ours == expected
    counts = quarantine.groupby("reason_code")["source_row_number"].nunique().to_dict()
    assert counts == {"frequency_out_of_range": 8, "purchases_mismatch": 19}
    n_quarantined = quarantine["source_row_number"].nunique()
    assert (quarantine.row_action == "quarantined").all()
    assert (
        len(build.query("select * from intermediate.int_customers_validated"))
        == 8950 - n_quarantined
    )
    raw = pd.read_csv(cc_general_csv)
    assert raw["CUST_ID"].is_unique  # so no duplicate_customer_id findings are expected
    assert_row_summary(build, expected_summary(cc_general_csv, warn_only=()))


def test_default_build_segments_every_cc_general_customer(cc_general_build, cc_general_csv):
    """`dbt build --vars '{customers_csv: <CC GENERAL>}'` (the fixture's vars equal the default
    warn_only_checks): all 8,950 customers segmented, the 27 soft findings kept and reported,
    and the build's last line says so."""
    quarantine = cc_general_build.query("select * from marts_build.quarantine")
    assert (quarantine.row_action == "kept").all() and len(quarantine) == 27
    assert len(cc_general_build.table("customer_segments")) == 8950
    expected = expected_summary(cc_general_csv)
    assert expected["rows_segmented"] == 8950 and expected["rows_kept_with_warnings"] == 27
    assert_row_summary(cc_general_build, expected)
    # the line closes the build: only the last hook's lines come before dbt's footer
    lines = cc_general_build.output.splitlines()
    position = max(i for i, line in enumerate(lines) if "Rows: 8950 rows read" in line)
    finished = min(i for i, line in enumerate(lines) if "Finished running" in line)
    between = [line for line in lines[position + 1 : finished] if line[15:].strip()]
    assert position < finished and all("hook: segmentation.on-run-end" in x for x in between)


# ---------------------------------------------------------------------------------------------
# File-level errors: the build stops in on-run-start with one message naming file and problem.

HEADER = ",".join(CC_GENERAL_COLUMNS)


def csv_lines(n_rows: int = 3) -> list[str]:
    return [HEADER] + [
        ",".join(row[c] for c in CC_GENERAL_COLUMNS) for row in valid_rows(n_rows, 5)
    ]


def file_case(name: str, path: Path) -> tuple[Path | None, str]:
    """Writes the malformed file of case `name`; returns (path, expected problem)."""
    lines = csv_lines()
    if name == "missing_file":
        return path, "does not exist"
    if name == "empty_file":
        path.write_bytes(b"")
        return path, "is empty (0 bytes)"
    if name == "header_only":
        path.write_text(HEADER + "\n")
        return path, "has a header but no data rows"
    if name == "missing_column":
        columns = [c for c in CC_GENERAL_COLUMNS if c != "TENURE"]
        write_rows(path, valid_rows(3, 5), columns)
        return path, ("is missing required column TENURE (header has: " + ", ".join(columns) + ")")
    if name == "missing_two_columns":
        columns = [c for c in CC_GENERAL_COLUMNS if c not in ("CUST_ID", "BALANCE")]
        write_rows(path, valid_rows(3, 5), columns)
        return path, "is missing required columns CUST_ID, BALANCE (header has: "
    if name == "semicolon_delimiter":
        path.write_text("\n".join(line.replace(",", ";") for line in lines) + "\n")
        return path, "uses ';' as delimiter: expected a comma-separated file (header: CUST_ID;BAL"
    if name == "tab_delimiter":
        path.write_text("\n".join(line.replace(",", "\t") for line in lines) + "\n")
        return path, "uses tab as delimiter: expected a comma-separated file"
    if name == "latin1_encoding":
        lines[2] = lines[2].replace(lines[2].split(",")[0], "C1000\u00e9", 1)
        path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
        return path, "line 3 is not valid UTF-8 (unexpected encoding, e.g. Latin-1)"
    if name == "utf16_encoding":
        path.write_bytes(("\n".join(lines) + "\n").encode("utf-16"))
        return path, "is not UTF-8 text (unexpected encoding, e.g. UTF-16): save it as UTF-8 CSV"
    if name == "duplicated_column":
        # BALANCE twice: the second copy holds garbage that a reader taking the first would hide
        lines = [line + "," + ("BALANCE" if i == 0 else "oops") for i, line in enumerate(lines)]
        path.write_text("\n".join(lines) + "\n")
        return path, (
            "has the column BALANCE twice (columns 2 and 19): the copies may differ, so nothing "
            "is read; keep one of them"
        )
    if name == "glob_of_several_files":
        for part in ("a", "b"):
            (path.parent / f"{name}_{part}.csv").write_text("\n".join(lines) + "\n")
        return path.parent / f"{name}_*.csv", (
            "matches 2 files, but the var names one CSV file (a glob would silently merge them): "
            "name one file, or combine the files first"
        )
    if name == "extra_field_on_a_line":
        lines[3] += ",42"
        path.write_text("\n".join(lines) + "\n")
        return path, (
            "line 4 does not have the 18 comma-separated fields of the header "
            "(Expected Number of Columns: 18 Found: 19)"
        )
    raise ValueError(name)


FILE_CASES = [
    "missing_file",
    "empty_file",
    "header_only",
    "missing_column",
    "missing_two_columns",
    "semicolon_delimiter",
    "tab_delimiter",
    "duplicated_column",
    "glob_of_several_files",
    "latin1_encoding",
    "utf16_encoding",
    "extra_field_on_a_line",
]


@pytest.mark.parametrize("name", FILE_CASES)
def test_file_level_error_names_the_file_and_the_problem(
    dbt_runner, schedule_environment, tmp_path, name
) -> None:
    """Each message names the file and where its path came from: the var (first case) or the
    environment variable of a scheduled run (the others; no re-parse between them)."""
    path, problem = file_case(name, tmp_path / f"{name}.csv")
    if name == FILE_CASES[0]:
        build = dbt_runner(FILE_CHECK_ONLY, {"customers_csv": str(path)}, check=False)
        origin = "var customers_csv"
    else:
        build = dbt_runner(FILE_CHECK_ONLY, env=schedule_environment(path), check=False)
        origin = "env SEGMENTATION_CUSTOMERS_CSV"
    assert build.returncode != 0
    assert f"Input file '{path}' ({origin}) {problem}" in build.output
    assert "stg_cc_general__customers" not in tables_in(build)


def parquet_table(rows: list[dict[str, str]], columns=CC_GENERAL_COLUMNS) -> pa.Table:
    """Rows as a Parquet table with typed columns: the id as text, every feature as double."""
    frame = pd.DataFrame(rows, columns=list(columns), dtype=str)
    arrays = [
        pa.array(frame[c].tolist(), pa.string())
        if c == "CUST_ID"
        else pa.array(pd.to_numeric(frame[c].replace("", np.nan)).tolist(), pa.float64())
        for c in columns
    ]
    return pa.Table.from_arrays(arrays, names=list(columns))


def test_parquet_input_problems_name_the_file_and_the_var(
    dbt_runner, schedule_environment, tmp_path
) -> None:
    """Parquet (SEGMENTATION_CUSTOMERS_PARQUET, as a schedule passes it, or var
    customers_parquet): a missing column and a duplicated column are named before anything
    reads the files; a glob reports how many files it read; all rows quarantined and no rows at
    all name the Parquet input (not the default CSV) and where its path came from."""
    without_limit = tmp_path / "no_limit.parquet"
    columns = [c for c in CC_GENERAL_COLUMNS if c != "CREDIT_LIMIT"]
    pq.write_table(parquet_table(valid_rows(5, 5), columns), without_limit)
    env = schedule_environment(customers_parquet=without_limit)
    build = dbt_runner(FILE_CHECK_ONLY, env=env, check=False)
    assert build.returncode != 0
    found = ", ".join(sorted(columns))
    assert (
        f"Input file(s) '{without_limit}' (env SEGMENTATION_CUSTOMERS_PARQUET) lack required "
        f"column CREDIT_LIMIT (columns found: {found})"
    ) in build.output
    assert "Binder Error" not in build.output

    twice = tmp_path / "balance_twice.parquet"
    table = parquet_table(valid_rows(5, 5))
    pq.write_table(table.append_column("BALANCE", pa.array(["oops"] * 5)), twice)
    build = dbt_runner(FILE_CHECK_ONLY, {"customers_parquet": str(twice)}, check=False)
    assert build.returncode != 0
    assert (
        f"Input file(s) '{twice}' (var customers_parquet) have the column BALANCE more than once "
        f"(in {twice}): the copies may differ, so nothing is read; keep one of them"
    ) in build.output

    folder = tmp_path / "parts"
    folder.mkdir()
    rows = valid_rows(6, 5)
    for row in rows:
        row["TENURE"] = "99"
    pq.write_table(parquet_table(rows[:4]), folder / "part-1.parquet")
    pq.write_table(parquet_table(rows[4:]), folder / "part-2.parquet")
    pattern = f"{folder}/*.parquet"
    env = schedule_environment(customers_parquet=pattern)
    build = dbt_runner(VALIDATION_ONLY, env=env, check=False)
    assert build.returncode != 0
    assert f"customers_parquet: reading 2 files matching '{pattern}'" in build.output
    assert (
        f"Input file '{pattern}' (env SEGMENTATION_CUSTOMERS_PARQUET): all 6 rows were "
        "quarantined, nothing "
        "is left to segment."
    ) in build.output
    assert "sample_customers.csv" not in build.output

    empty = tmp_path / "empty.parquet"
    pq.write_table(parquet_table([]), empty)
    env = schedule_environment(customers_parquet=empty)
    build = dbt_runner(VALIDATION_ONLY, env=env, check=False)
    assert build.returncode != 0
    assert (
        f"Input file '{empty}' (env SEGMENTATION_CUSTOMERS_PARQUET) has no data rows: nothing to "
        "segment. Check the file (or the glob) the var names"
    ) in build.output
    assert "Rows: 0 rows read, 0 segmented (build failed" in build.output


def test_well_formed_variants_pass_the_file_checks(
    dbt_runner, schedule_environment, tmp_path
) -> None:
    """A UTF-8 BOM, CRLF line ends, quoted fields and reordered columns are all fine."""
    rows = valid_rows(3, 5)
    columns = list(reversed(CC_GENERAL_COLUMNS))
    body = "\r\n".join(
        [",".join(f'"{c}"' for c in columns)]
        + [",".join(f'"{row[c]}"' for c in columns) for row in rows]
    )
    path = tmp_path / "variant.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (body + "\r\n").encode())
    build = dbt_runner(FILE_CHECK_ONLY, env=schedule_environment(path))
    staged = build.query("select * from staging.stg_cc_general__customers")
    assert staged["customer_id"].tolist() == [row["CUST_ID"] for row in rows]
    assert staged["balance"].tolist() == [float(row["BALANCE"]) for row in rows]


# ---------------------------------------------------------------------------------------------
# Model-level guards.


def test_all_rows_quarantined_fails_with_a_clear_message(
    dbt_runner, schedule_environment, tmp_path
) -> None:
    rows = valid_rows(3, 5)
    for row in rows:
        row["TENURE"] = "99"
    path = write_rows(tmp_path / "all_bad.csv", rows)
    build = dbt_runner(VALIDATION_ONLY, env=schedule_environment(path), check=False)
    assert build.returncode != 0
    assert (
        f"Input file '{path}' (env SEGMENTATION_CUSTOMERS_CSV): all 3 rows were quarantined, "
        "nothing is left to segment. Reasons: select reason_code, count(*) from "
        "marts_build.quarantine group by reason_code"
    ) in build.output
    # the quarantine table is still built (in the build schema: nothing is published) and says why
    quarantine = build.query("select * from marts_build.quarantine")
    assert quarantine["reason_code"].tolist() == ["tenure_out_of_range"] * 3
    # the build failed, yet its last line says what is known (run_summary reads the checked
    # rows, not the guarded model)
    assert (
        "Rows: 3 rows read, 0 segmented (build failed, nothing published; 0 passed validation), "
        "3 quarantined (tenure_out_of_range: 3), 0 kept with warnings"
    ) in build.output


def test_build_failing_after_validation_still_prints_the_row_summary(dbt_runner, tmp_path):
    """A node after run_summary fails (here: `auto` with a k range too short to choose from):
    the summary line is still printed and says nothing was segmented."""
    path = write_rows(tmp_path / "thirty.csv", valid_rows(30, 5))
    variables = {
        "customers_csv": str(path),
        "n_clusters": "auto",
        "k_selection": {"min": 2, "max": 3},
    }
    selection = ["build", "--select", "+run_summary", "+ml_k_selection"]
    build = dbt_runner([*selection, "--indirect-selection", "cautious"], variables, check=False)
    assert build.returncode != 0
    assert "needs a k range of at least 3 values" in build.output
    assert (
        "Rows: 30 rows read, 0 segmented (build failed, nothing published; 30 passed "
        "validation), 0 quarantined, 0 kept with warnings"
    ) in build.output


@pytest.mark.parametrize(
    ("n_rows", "variables", "k_max"),
    [
        (3, {}, 10),  # default n_clusters 4 and k range 1..10
        (6, {}, 10),  # more rows than k, fewer than the k range
        (12, {"n_clusters": 12}, 12),  # as many rows as k: metrics undefined
    ],
    ids=["3_rows", "6_rows", "12_rows_k_12"],
)
def test_too_few_customers_for_k_fails_naming_file_vars_and_fix(
    dbt_runner, schedule_environment, tmp_path, n_rows, variables, k_max
) -> None:
    path = write_rows(tmp_path / f"rows_{n_rows}.csv", valid_rows(n_rows, 5))
    build = dbt_runner(
        VALIDATION_ONLY, variables or None, env=schedule_environment(path), check=False
    )
    assert build.returncode != 0
    n_clusters = variables.get("n_clusters", 4)
    assert (
        f"Input file '{path}' (env SEGMENTATION_CUSTOMERS_CSV): only {n_rows} customers passed "
        f"validation, but k-means is fitted for k up to {k_max} (vars k_selection.max = 10, "
        f"n_clusters = {n_clusters}) and needs more customers than clusters: supply more rows "
        f"or lower k_selection.max and n_clusters to at most {n_rows - 1}"
    ) in build.output


def test_all_null_feature_fails_clearly(dbt_runner, schedule_environment, tmp_path) -> None:
    rows = valid_rows(20, 5)
    for row in rows:
        row["CREDIT_LIMIT"] = ""
    path = write_rows(tmp_path / "no_limit.csv", rows)
    build = dbt_runner(VALIDATION_ONLY, env=schedule_environment(path), check=False)
    assert build.returncode != 0
    assert (
        "Feature credit_limit has no value in any of the 20 clean rows of input file "
        f"'{path}' (env SEGMENTATION_CUSTOMERS_CSV): it cannot be imputed (all values empty or "
        "quarantined)"
    ) in build.output


def test_constant_feature_warns_and_is_neutral_in_the_model(
    dbt_runner, schedule_environment, tmp_path
) -> None:
    """Zero variance: the build warns and goes on; the feature is 0 for everybody in z-space,
    so it adds nothing to distances or PCA (decision: keep-and-neutralize with a warning)."""
    rows = valid_rows(400, 8)
    for row in rows:
        row["TENURE"] = "12"
    path = write_rows(tmp_path / "constant_tenure.csv", rows)
    build = dbt_runner(["build"], env=schedule_environment(path))
    assert "Warning in test warn_constant_features" in build.output
    assert "Got 1 result, configured to warn if != 0" in build.output
    centroids = build.query("select * from ml.ml_kmeans_centroids")
    assert (centroids.loc[centroids.feature_name == "tenure", "centroid_value"] == 0).all()
    loadings = build.query("select * from ml.ml_pca_loadings")
    assert np.allclose(loadings.loc[loadings.feature_name == "tenure", "loading"], 0, atol=1e-12)
    assert len(build.table("customer_segments")) == 400


# ---------------------------------------------------------------------------------------------
# Config validation: every var is checked on-run-start, all problems reported at once.


def test_every_bad_var_is_reported_at_once(dbt_runner) -> None:
    variables = {
        "n_clusters": 1,
        "kmeans": {"n_init": 0, "random_seed": -1, "fit_sample_size": "lots", "n_iint": 3},
        "diagnostics": {"pca_components": 18},
        "personas": {"min_score": "high"},
        "validation": {"purchases_tolerance": -1, "warn_only_checks": "purchases_mismatch"},
        "features": {"imputation": "mode"},
        "customers_csv": "data/customers.txt",
        "n_cluster": 5,
        "k_selection_max": 6,
    }
    build = dbt_runner(FILE_CHECK_ONLY, variables, check=False)
    assert build.returncode != 0
    assert "Invalid configuration (13 problems):" in build.output
    for message in [
        "var 'n_clusters' must be 'auto' or an integer between 2 and 50, got '1'",
        "var 'kmeans.n_init' must be an integer between 1 and 1000, got '0'",
        "var 'kmeans.random_seed' must be an integer between 0 and 4294967295, got '-1'",
        "var 'kmeans.fit_sample_size' must be an integer >= 1, got 'lots'",
        "var 'diagnostics.pca_components' must be an integer between 1 and 17, got '18'",
        "var 'personas.min_score' must be a number, got 'high'",
        "var 'validation.purchases_tolerance' must be a number >= 0, got '-1'",
        "var 'features.imputation' must be 'mean' or 'median', got 'mode'",
        "var 'validation.warn_only_checks' must be a list of: non_numeric_value,",
        "var 'customers_csv' must name a .csv (or .csv.gz) file, got 'data/customers.txt'",
        "unknown var 'n_cluster'; did you mean 'n_clusters'?",
        "unknown var 'kmeans.n_iint'; did you mean 'kmeans.n_init'?",
        "var 'k_selection_max' is now k_selection.max: --vars '{k_selection: {max: ...}}'",
    ]:
        assert f"  - {message}" in build.output


def test_out_of_range_and_not_downgradable_values(dbt_runner) -> None:
    variables = {
        "n_clusters": 51,
        "kmeans": {"fit_sample_size": 3, "random_seed": True},
        "validation": {"warn_only_checks": ["duplicate_customer_id"]},
    }
    build = dbt_runner(FILE_CHECK_ONLY, variables, check=False)
    assert build.returncode != 0
    assert "Invalid configuration (3 problems):" in build.output
    assert "var 'n_clusters' must be 'auto' or an integer between 2 and 50, got '51'" in (
        build.output
    )
    assert "var 'kmeans.random_seed' must be an integer between 0 and 4294967295, got 'True'" in (
        build.output
    )
    assert (
        "var 'validation.warn_only_checks' contains 'duplicate_customer_id', which is not one "
        "of: non_numeric_value, negative_amount" in build.output
    )
    # the samples must outnumber the largest k: only checked when the values are valid
    variables = {
        "n_clusters": 12,
        "kmeans": {"fit_sample_size": 3},
        "k_selection": {"sample_size": 12},
        "diagnostics": {"sample_size": 1},
    }
    build = dbt_runner(FILE_CHECK_ONLY, variables, check=False)
    assert "Invalid configuration (3 problems):" in build.output
    for name, value in [
        ("kmeans.fit_sample_size", 3),
        ("k_selection.sample_size", 12),
        ("diagnostics.sample_size", 1),
    ]:
        assert (
            f"var '{name}' ({value}) must be larger than the largest k fitted, 12 "
            "(k_selection.max = 10, n_clusters = 12): raise it to at least 13 or lower "
            "k_selection.max"
        ) in build.output


def test_sql_injection_through_vars_is_rejected(dbt_runner, tmp_path) -> None:
    variables = {
        "validation": {"warn_only_checks": ["balance; drop table persona_rules"]},
        "n_clusters": "4; drop table persona_rules",
        "customers_csv": "seeds/sample_customers.csv'); drop table persona_rules; --.csv",
    }
    build = dbt_runner(["build"], variables, check=False)
    assert build.returncode != 0
    assert "Invalid configuration (3 problems):" in build.output
    assert (
        "var 'validation.warn_only_checks' contains 'balance; drop table persona_rules'"
        in build.output
    )
    expected = "var 'n_clusters' must be 'auto' or an integer between 2 and 50, got '4; drop table"
    assert expected in build.output
    assert "var 'customers_csv' must be a plain file path without quotes" in build.output
    # nothing ran: not even the seeds were loaded
    assert tables_in(build) == []


def test_registry_records_every_setting_with_its_effective_value(
    cc_general_build, cc_general_csv
) -> None:
    """ml_fit_run.run_vars holds every setting (groups merged over their defaults), so the
    package parses it back into the run's settings: the CLI vars, the rest the defaults."""
    run_vars = json.loads(cc_general_build.table("ml_fit_run")["run_vars"].iloc[0])
    assert set(run_vars) == set(Settings().to_vars())
    # the cc_general_build fixture's vars (conftest NOTEBOOK_COMPATIBLE_VARS)
    given = {
        "customers_csv": str(cc_general_csv),
        "validation": {"warn_only_checks": ["frequency_out_of_range", "purchases_mismatch"]},
    }
    assert Settings.from_vars(run_vars) == Settings.from_vars(given)
    assert run_vars["k_selection"] == Settings().to_vars()["k_selection"]


# ---------------------------------------------------------------------------------------------
# The SQL surface: the stored segment_customers() macro checks its input and flags rows.


def expected_flags(path: Path) -> list[str | None]:
    """Per row the reason code segment_customers() reports: missing id first, then the first
    finding in column order, then purchases_mismatch (pandas_findings, independently)."""
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    order = {column: i for i, column in enumerate(CC_GENERAL_FEATURES)}
    flags: dict[int, tuple[int, str]] = {}
    for row, code, column in pandas_findings(path):
        rank = (
            -1
            if code == "missing_customer_id"
            else len(order)
            if code == "purchases_mismatch"
            else order[column]
        )
        if row not in flags or rank < flags[row][0]:
            flags[row] = (rank, code)
    return [flags[row][1] if row in flags else None for row in range(1, len(text) + 1)]


def test_stored_macro_names_missing_columns_and_flags_impossible_values(
    sample_build, tmp_path
) -> None:
    rows = valid_rows(8, 21)
    changes = [
        {"BALANCE": "-10"},
        {"CASH_ADVANCE_FREQUENCY": "2.0"},
        {"PAYMENTS": "12,5 EUR"},
        {"PURCHASES": "700", "ONEOFF_PURCHASES": "50", "INSTALLMENTS_PURCHASES": "50"},
        {"TENURE": "13", "PURCHASES_TRX": "-1"},
        {"CUST_ID": ""},
    ]
    for row, change in zip(rows, changes, strict=False):
        row.update(change)
    path = write_rows(tmp_path / "to_score.csv", rows)
    with duckdb.connect(str(sample_build.database), read_only=True) as con:
        con.execute(
            f"create temp table original_headers as select * from read_csv('{path}', "
            "all_varchar = true)"
        )
        con.execute(
            "create temp table to_score as select * rename (CUST_ID as customer_id) "
            "from original_headers"
        )
        con.execute("create temp table no_limit as select * exclude (credit_limit) from to_score")
        scored = con.sql(
            "select customer_id, segment_id, data_quality_flag from segment_customers('to_score')"
        ).df()
        errors = {}
        for table in ["original_headers", "no_limit"]:
            with pytest.raises(duckdb.Error) as error:
                con.sql(f"select segment_id from segment_customers('{table}')").fetchall()
            errors[table] = str(error.value)
    # every row is scored (none joined away), each with the reason code validation gives it
    assert len(scored) == len(rows) and scored["segment_id"].notna().all()
    flags = [None if pd.isna(flag) else flag for flag in scored["data_quality_flag"]]
    expected = expected_flags(path)
    assert sorted(zip(scored["customer_id"].fillna(""), flags, strict=True), key=str) == sorted(
        zip([r["CUST_ID"] for r in rows], expected, strict=True), key=str
    )
    assert set(expected) == {
        None,
        "negative_amount",
        "frequency_out_of_range",
        "non_numeric_value",
        "purchases_mismatch",
        "negative_count",
        "missing_customer_id",
    }
    names = "customer_id, " + ", ".join(c.lower() for c in CC_GENERAL_FEATURES)
    assert (
        "segment_customers: the input table lacks the column(s) customer_id; expected the "
        f"lowercase names {names} (a file with the original headers: rename CUST_ID as "
        "customer_id; found: cust_id, balance"
    ) in errors["original_headers"]
    assert "the input table lacks the column(s) credit_limit; expected" in errors["no_limit"]
