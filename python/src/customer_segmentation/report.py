"""A self-contained HTML segment report generated from the marts, for the monthly marketing read.

One HTML file, no network needed to view it: the CSS and the JavaScript are inline and the charts
are SVG drawn in the browser from the data embedded in the page (JSON). The page shows, when the
marts are there (a note says what is missing otherwise):

* the run: date, input, rows read / segmented / quarantined / kept with warnings (``run_summary``
  when built, else ``quarantine`` + ``customer_segments``);
* segment sizes with the change since the last run (``segment_share_changes``) and the migration
  matrix (``segment_migrations``) when there is history;
* drift per feature as a traffic light (``feature_drift``);
* choosing k: elbow, silhouette (axis from 0, chosen k in the legend), stability
  (``k_selection``), with one plain sentence when the criteria show no natural clusters;
* PCA scatter with the axes named by their top loadings (``pca_components``);
* a heatmap of the standardized profile means (``segment_profiles``);
* persona cards in plain language with quality word and recommendation (``segment_personas``).

Command line: ``segment-report --database segmentation.duckdb --out reports/segment_report.html``.
"""

from __future__ import annotations

import argparse
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from customer_segmentation.schema import SQL_FEATURES

#: Points drawn in the PCA scatter at most (a uniform sample by md5 of the customer id).
DEFAULT_SCATTER_POINTS = 3000

K_SELECTION_COLUMNS = ("k", "wcss", "silhouette", "is_chosen")
K_SELECTION_OPTIONAL = (
    "stability",
    "no_elbow",
    "disagree",
    "knee_k",
    "silhouette_k",
    "stability_k",
)
RUN_SUMMARY_COLUMNS = ("rows_read", "rows_segmented", "rows_quarantined", "rows_kept_with_warnings")
#: Input variables of a run (ml_fit_run.run_vars) by input format.
INPUT_VARS = {
    "cc_general": ("customers_parquet", "customers_csv"),
    "ledger": ("transactions_csv",),
}
DRIFT_LIGHTS = {"ok": "green", "warn": "amber", "alert": "red", "no_baseline": "grey"}
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


class ReportInputError(ValueError):
    """The database lacks a table or column the report needs."""


@dataclass
class ReportData:
    """Everything the report shows, read from the marts."""

    personas: pd.DataFrame
    profiles: pd.DataFrame
    scatter: pd.DataFrame
    n_customers: int
    k_selection: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)
    row_counts: dict[str, int | None] = field(default_factory=dict)
    share_changes: pd.DataFrame | None = None
    migrations: pd.DataFrame | None = None
    drift: pd.DataFrame | None = None
    pca_axes: list[str] | None = None


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = current_schema()"
    ).fetchall()
    return {str(row[0]) for row in rows}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {str(row[0]) for row in con.execute(f"describe {table}").fetchall()}


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return con.execute(sql).fetchall()[0][0]


def _run_info(con: duckdb.DuckDBPyConnection, present: set[str]) -> dict[str, Any]:
    """Date and input of the latest fit run (ml_fit_run), {} when not built."""
    if "ml_fit_run" not in present:
        return {}
    rows = con.execute("select run_at, run_vars from ml_fit_run order by run_at desc").fetchall()
    if not rows:
        return {}
    run_at, run_vars = rows[0]
    try:
        settings = json.loads(run_vars) if run_vars else {}
    except json.JSONDecodeError:
        settings = {}
    input_format = str(settings.get("input_format") or "cc_general")
    source = next(
        (str(settings[v]) for v in INPUT_VARS.get(input_format, ()) if settings.get(v)), None
    )
    return {"run_at": str(run_at)[:19], "input_format": input_format, "input": source}


def _row_counts(
    con: duckdb.DuckDBPyConnection, present: set[str], n_segmented: int
) -> dict[str, int | None]:
    """Rows read / segmented / quarantined / kept with warnings."""
    if "run_summary" in present and set(RUN_SUMMARY_COLUMNS) <= _columns(con, "run_summary"):
        order = " order by run_at desc" if "run_at" in _columns(con, "run_summary") else ""
        row = con.execute(
            f"select {', '.join(RUN_SUMMARY_COLUMNS)} from run_summary{order} limit 1"
        ).fetchall()
        if row:
            return {
                key: None if value is None else int(value)
                for key, value in zip(RUN_SUMMARY_COLUMNS, row[0], strict=True)
            }
    counts: dict[str, int | None] = {
        "rows_read": None,
        "rows_segmented": n_segmented,
        "rows_quarantined": None,
        "rows_kept_with_warnings": None,
    }
    if "quarantine" in present and {"source_row_number", "row_action"} <= _columns(
        con, "quarantine"
    ):
        quarantined, kept = con.execute(
            "select count(distinct case when row_action = 'quarantined' then source_row_number"
            " end), count(distinct case when row_action = 'kept' then source_row_number end)"
            " from quarantine"
        ).fetchall()[0]
        counts["rows_quarantined"] = int(quarantined)
        counts["rows_kept_with_warnings"] = int(kept)
        counts["rows_read"] = n_segmented + int(quarantined)
    return counts


def _latest_run_rows(con: duckdb.DuckDBPyConnection, table: str, columns: str) -> pd.DataFrame:
    return con.sql(
        f"select {columns} from {table}"
        f" where run_id = (select run_id from {table} order by run_at desc limit 1)"
    ).df()


def _pca_axes(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[str] | None:
    """Axis titles "PC1 (31% of variance): purchases, one-off purchases, ..." (top 3 loadings)."""
    if "pca_components" not in present:
        return None
    frame = con.sql(
        "select component, feature_name, loading, loading_rank, explained_variance_ratio"
        " from pca_components where component <= 2 and loading_rank <= 3"
        " order by component, loading_rank"
    ).df()
    axes = []
    for component in (1, 2):
        rows = frame[frame["component"] == component]
        if rows.empty:
            return None
        names = ", ".join(
            ("minus " if row.loading < 0 else "") + str(row.feature_name).replace("_", " ")
            for row in rows.itertuples()
        )
        share = float(rows["explained_variance_ratio"].iloc[0])
        axes.append(f"PC{component} ({share:.0%} of variance): {names}")
    return axes


def load_report_data(
    con: duckdb.DuckDBPyConnection, max_points: int = DEFAULT_SCATTER_POINTS
) -> ReportData:
    """Read the marts the report needs from an open DuckDB connection."""
    if max_points < 1:
        raise ReportInputError(f"max_points must be positive, got {max_points}")
    present = _tables(con)
    missing = {"customer_segments", "segment_profiles", "segment_personas"} - present
    if missing:
        raise ReportInputError(
            f"the database lacks the mart(s) {', '.join(sorted(missing))}: run `dbt build` first"
        )
    persona_columns = _columns(con, "segment_personas")
    optional = [c for c in ("quality", "quality_note") if c in persona_columns]
    personas = con.sql(
        "select segment_id, segment_name, persona_name, n_customers, share_of_customers,"
        f" description, recommendation{''.join(', ' + c for c in optional)}"
        " from segment_personas order by segment_id"
    ).df()
    profiles = con.sql(
        "select segment_id, segment_name, feature_name, mean_value, mean_standardized_value,"
        " overall_mean_value from segment_profiles order by segment_id, feature_name"
    ).df()
    n_customers = int(_scalar(con, "select count(*) from customer_segments"))
    scatter = con.execute(
        "select segment_id, pc1, pc2 from customer_segments"
        " order by md5(customer_id), customer_id limit ?",
        [max_points],
    ).df()
    notes: list[str] = []
    k_selection = None
    if "k_selection" in present:
        columns = _columns(con, "k_selection")
        lacking = [c for c in K_SELECTION_COLUMNS if c not in columns]
        if lacking:
            raise ReportInputError(f"k_selection lacks the column(s) {', '.join(lacking)}")
        wanted = [*K_SELECTION_COLUMNS, *(c for c in K_SELECTION_OPTIONAL if c in columns)]
        k_selection = con.sql(f"select {', '.join(wanted)} from k_selection order by k").df()
    else:
        notes.append(
            "k_selection not built: the elbow and silhouette charts need the k_selection mart"
            " (the k sweep); build it and re-run the report."
        )
    share_changes = migrations = None
    if "segment_share_changes" in present:
        changes = _latest_run_rows(
            con,
            "segment_share_changes",
            "segment_id, previous_run_id, previous_n_customers, current_n_customers,"
            " share_change_pp, is_new_segment",
        )
        if changes["previous_run_id"].notna().any():
            share_changes = changes
    if share_changes is None:
        notes.append(
            "No earlier run in the history: segment changes and the migration matrix appear"
            " from the second monthly run on."
        )
    elif "segment_migrations" in present:
        migrations = _latest_run_rows(
            con,
            "segment_migrations",
            "from_segment_id, from_segment_name, to_segment_id, to_segment_name, n_customers",
        )
        migrations = migrations[migrations["from_segment_id"].notna()] if len(migrations) else None
    drift = None
    if "feature_drift" in present:
        drift = _latest_run_rows(
            con, "feature_drift", "feature_name, psi, drift_status"
        ).sort_values("feature_name")
    return ReportData(
        personas,
        profiles,
        scatter,
        n_customers,
        k_selection,
        notes,
        run=_run_info(con, present),
        row_counts=_row_counts(con, present, n_customers),
        share_changes=share_changes,
        migrations=migrations,
        drift=drift,
        pca_axes=_pca_axes(con, present),
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return records


def _change(data: ReportData, segment_id: int) -> float | None:
    if data.share_changes is None:
        return None
    rows = data.share_changes[data.share_changes["segment_id"] == segment_id]
    if rows.empty or pd.isna(rows["share_change_pp"].iloc[0]):
        return None
    return float(rows["share_change_pp"].iloc[0])


def report_payload(data: ReportData) -> dict[str, Any]:
    """The JSON the page's script draws from."""
    segments = [
        {
            "segment_id": int(row.segment_id),
            "segment_name": str(row.segment_name),
            "n_customers": int(row.n_customers),
            "share": float(row.share_of_customers),
            "change_pp": _change(data, int(row.segment_id)),
            "color": PALETTE[(int(row.segment_id) - 1) % len(PALETTE)],
        }
        for row in data.personas.itertuples()
    ]
    # the file's column order for the CC GENERAL features, then any others alphabetically
    present = set(data.profiles["feature_name"])
    features = [f for f in SQL_FEATURES if f in present] + sorted(present - set(SQL_FEATURES))
    heat = data.profiles.pivot(
        index="segment_id", columns="feature_name", values="mean_standardized_value"
    )
    return {
        "segments": segments,
        "features": features,
        "heatmap": [
            {"segment_id": int(sid), "values": [float(heat.loc[sid, f]) for f in features]}
            for sid in heat.index
        ],
        "scatter": {
            "segment_id": data.scatter["segment_id"].astype(int).tolist(),
            "pc1": data.scatter["pc1"].round(5).tolist(),
            "pc2": data.scatter["pc2"].round(5).tolist(),
        },
        "pca_axes": data.pca_axes or ["PC1", "PC2"],
        "k_selection": None if data.k_selection is None else _records(data.k_selection),
    }


def _flag(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns and bool(frame[column].fillna(False).astype(bool).any())


def k_selection_sentence(k_selection: pd.DataFrame | None) -> str | None:
    """One sentence on what `no_elbow` / `disagree` mean for a campaign; None when neither."""
    if k_selection is None:
        return None
    no_elbow, disagree = _flag(k_selection, "no_elbow"), _flag(k_selection, "disagree")
    if not (no_elbow or disagree):
        return None
    chosen = k_selection.loc[k_selection["is_chosen"].astype(bool), "k"]
    k = int(chosen.iloc[0]) if len(chosen) else None
    reasons = []
    if no_elbow:
        reasons.append("the elbow curve has no clear bend")
    if disagree:
        first = k_selection.iloc[0]
        pointers = [
            f"{label} k = {int(first[column])}"
            for column, label in (
                ("knee_k", "elbow"),
                ("silhouette_k", "silhouette"),
                ("stability_k", "stability"),
            )
            if column in k_selection.columns and pd.notna(first[column])
        ]
        reasons.append(
            "the criteria point at different numbers of segments"
            + (f" ({', '.join(pointers)})" if pointers else "")
        )
    groups = f"these {k} groups" if k else "these groups"
    return (
        f"Read {groups} as a useful partition of a continuum, not as natural clusters"
        f" ({' and '.join(reasons)}): customers near a boundary behave much like the"
        " neighbouring segment, so target campaigns by the profile and expect some overlap."
    )


def _run_header(data: ReportData) -> str:
    run = data.run
    counts = data.row_counts

    def count(key: str) -> str:
        value = counts.get(key)
        return "n/a" if value is None else f"{value:,}"

    items = [
        ("Run", run.get("run_at") or "n/a"),
        ("Input", run.get("input") or "n/a"),
        ("Rows read", count("rows_read")),
        ("Segmented", count("rows_segmented")),
        ("Quarantined", count("rows_quarantined")),
        ("Kept with warnings", count("rows_kept_with_warnings")),
    ]
    cells = "".join(
        f'<div class="fact"><span>{html.escape(label)}</span>'
        f"<strong>{html.escape(str(value))}</strong></div>"
        for label, value in items
    )
    return f'<section class="facts" id="run-facts">{cells}</section>'


def _drift_table(drift: pd.DataFrame | None) -> str:
    if drift is None or drift.empty:
        return (
            '<p class="note">Drift not available: feature_drift has no run yet (it compares'
            " each run with the baseline run).</p>"
        )
    if (drift["drift_status"] == "no_baseline").all():
        return (
            '<p class="note" id="drift-table">No baseline yet: this run is the baseline; from'
            f" the next run on, each of the {len(drift)} features gets a traffic light (PSI"
            " against this run).</p>"
        )
    rows = []
    for row in drift.itertuples():
        status = str(row.drift_status)
        light = DRIFT_LIGHTS.get(status, "grey")
        psi = "" if pd.isna(row.psi) else f"{float(row.psi):.3f}"
        rows.append(
            f"<tr><td>{html.escape(str(row.feature_name).replace('_', ' '))}</td>"
            f'<td><span class="light {light}"></span>{html.escape(status.replace("_", " "))}'
            f'</td><td class="num">{psi}</td></tr>'
        )
    return (
        '<table class="drift" id="drift-table"><thead><tr><th>Feature</th><th>Status</th>'
        '<th class="num">PSI</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def _migration_table(data: ReportData) -> str:
    migrations = data.migrations
    if migrations is None or migrations.empty:
        return ""
    names = {int(r.segment_id): str(r.segment_name) for r in data.personas.itertuples()}
    for row in migrations.itertuples():
        names.setdefault(int(row.from_segment_id), str(row.from_segment_name))
        if pd.notna(row.to_segment_id):
            names.setdefault(int(row.to_segment_id), str(row.to_segment_name))
    matrix = migrations[migrations["to_segment_id"].notna()].pivot_table(
        index="from_segment_id", columns="to_segment_id", values="n_customers", aggfunc="sum"
    )
    ids = sorted(set(matrix.index) | set(matrix.columns))
    header = "".join(f"<th>{html.escape(names.get(int(i), str(i)))}</th>" for i in ids)
    body = []
    for source in ids:
        cells = []
        for target in ids:
            value = (
                matrix.loc[source, target]
                if source in matrix.index and target in matrix.columns
                else None
            )
            text = "" if value is None or pd.isna(value) else f"{int(value):,}"
            cls = ' class="num stay"' if source == target else ' class="num"'
            cells.append(f"<td{cls}>{text}</td>")
        body.append(
            f"<tr><th>{html.escape(names.get(int(source), str(source)))}</th>{''.join(cells)}</tr>"
        )
    return (
        '<figure class="chart wide" id="migration-matrix"><figcaption>Where last run\'s'
        " customers are now (rows: segment last run, columns: segment now)</figcaption>"
        '<div class="scroll"><table class="matrix"><thead><tr><th>from \\ to</th>'
        f"{header}</tr></thead><tbody>{''.join(body)}</tbody></table></div></figure>"
    )


def _persona_cards(personas: pd.DataFrame) -> str:
    cards = []
    for row in personas.itertuples():
        color = PALETTE[(int(row.segment_id) - 1) % len(PALETTE)]
        quality = getattr(row, "quality", None)
        quality_note = getattr(row, "quality_note", None)
        badge = (
            f'<p class="quality"><span class="badge">{html.escape(str(quality))}</span> '
            f"{html.escape(str(quality_note or ''))}</p>"
            if quality is not None and not pd.isna(quality)
            else ""
        )
        cards.append(
            f'<article class="card" style="border-top-color:{color}">'
            f"<h3>{html.escape(str(row.segment_name))}</h3>"
            f'<p class="size">Segment {int(row.segment_id)} · {int(row.n_customers):,} customers'
            f" · {float(row.share_of_customers):.1%}</p>"
            f"{badge}<p>{html.escape(str(row.description))}</p>"
            f'<p class="reco"><strong>Recommendation.</strong> '
            f"{html.escape(str(row.recommendation))}</p></article>"
        )
    return "\n".join(cards)


def render_report(data: ReportData, title: str = "Customer segments") -> str:
    """The report as one self-contained HTML document."""
    payload = json.dumps(report_payload(data), separators=(",", ":"), allow_nan=False)
    # inside <script>: "</" would end the element early
    payload = payload.replace("<", "\\u003c")
    notes = "".join(f'<p class="note">{html.escape(note)}</p>' for note in data.notes)
    sample_note = (
        f"{len(data.scatter):,} of {data.n_customers:,} customers (uniform sample)"
        if len(data.scatter) < data.n_customers
        else f"all {data.n_customers:,} customers"
    )
    k_figures = ""
    if data.k_selection is not None:
        k_figures = (
            '<figure class="chart" id="chart-elbow"><figcaption>Elbow curve: within-segment'
            " spread (WCSS) by number of segments k</figcaption></figure>"
            '<figure class="chart" id="chart-silhouette"><figcaption>Silhouette by k (higher'
            " is better; 0 = no structure)</figcaption></figure>"
        )
        if "stability" in data.k_selection.columns:
            k_figures += (
                '<figure class="chart" id="chart-stability"><figcaption>Stability by k: how'
                " often customers land together again on resampled data (1 = always)"
                "</figcaption></figure>"
            )
    sentence = k_selection_sentence(data.k_selection)
    k_sentence = f'<p class="note" id="k-sentence">{html.escape(sentence)}</p>' if sentence else ""
    return (
        _TEMPLATE.replace("__TITLE__", html.escape(title))
        .replace("__CSS__", _CSS)
        .replace("__SCRIPT__", _SCRIPT)
        .replace("__PAYLOAD__", payload)
        .replace("__RUN__", _run_header(data))
        .replace("__NOTES__", notes)
        .replace("__K_SENTENCE__", k_sentence)
        .replace("__K_FIGURES__", k_figures)
        .replace("__MIGRATIONS__", _migration_table(data))
        .replace("__DRIFT__", _drift_table(data.drift))
        .replace("__SAMPLE_NOTE__", html.escape(sample_note))
        .replace("__N_CUSTOMERS__", f"{data.n_customers:,}")
        .replace("__N_SEGMENTS__", str(len(data.personas)))
        .replace("__CARDS__", _persona_cards(data.personas))
    )


def write_report(
    database: str | Path, out: str | Path, max_points: int = DEFAULT_SCATTER_POINTS
) -> Path:
    """Read the marts from ``database`` (read-only) and write the report to ``out``."""
    database = Path(database)
    if not database.is_file():
        raise ReportInputError(f"database {database} not found: run `dbt build` first")
    with duckdb.connect(str(database), read_only=True) as con:
        data = load_report_data(con, max_points=max_points)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(data), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="segmentation.duckdb", help="DuckDB warehouse")
    parser.add_argument("--out", default="reports/segment_report.html", help="HTML file")
    parser.add_argument(
        "--max-points", type=int, default=DEFAULT_SCATTER_POINTS, help="scatter sample size"
    )
    args = parser.parse_args(argv)
    try:
        out = write_report(args.database, args.out, args.max_points)
    except (ReportInputError, duckdb.Error) as error:
        parser.exit(2, f"segment-report: {error}\n")
    print(f"wrote {out}")


_CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; }
body { margin: 0 auto; max-width: 1180px; padding: 24px; background: #fafafa; }
h1 { margin: 0 0 4px; } .lead { color: #555; margin: 0 0 14px; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px;
         margin-bottom: 14px; }
.fact { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px;
        overflow-wrap: anywhere; }
.fact span { display: block; color: #666; font-size: 12px; } .fact strong { font-size: 15px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 18px;
        align-items: start; }
.chart { background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 0; padding: 12px;
         min-width: 0; }
.chart.wide { grid-column: 1 / -1; }
.scroll { overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-size: 13px; fill: #333; } .axis line, .axis path { stroke: #999; }
.note { background: #fff4d6; border: 1px solid #e0c36a; padding: 8px 12px; border-radius: 4px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; }
.card { background: #fff; border: 1px solid #ddd; border-top: 6px solid #888; border-radius: 6px;
        padding: 10px 14px; overflow-wrap: anywhere; } .card h3 { margin: 4px 0; }
.size { color: #666; margin: 0; }
.badge { display: inline-block; background: #eef; border: 1px solid #99b; border-radius: 10px;
         padding: 0 8px; font-size: 12px; font-weight: 600; }
.quality { font-size: 13px; color: #444; }
.reco { background: #f2f7ff; padding: 6px 8px; border-radius: 4px; }
.legend span { display: inline-block; margin-right: 14px; font-size: 13px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px;
            border-radius: 50%; }
table { border-collapse: collapse; font-size: 13px; background: #fff; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; }
td.num, th.num { text-align: right; } td.stay { background: #f2f7ff; font-weight: 600; }
.light { display: inline-block; width: 12px; height: 12px; border-radius: 50%;
         margin-right: 6px; vertical-align: -1px; border: 1px solid #0003; }
.light.green { background: #2ca02c; } .light.amber { background: #f0ad00; }
.light.red { background: #d62728; } .light.grey { background: #bbb; }
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title><style>__CSS__</style></head>
<body>
<h1>__TITLE__</h1>
<p class="lead">__N_CUSTOMERS__ customers in __N_SEGMENTS__ segments.</p>
__RUN__
__NOTES__
<section class="grid">
<figure class="chart" id="chart-sizes"><figcaption>Segment sizes (change since the last run in
percentage points)</figcaption></figure>
<figure class="chart" id="drift"><figcaption>Drift per feature since the baseline run
(green ok, amber warn, red alert)</figcaption>__DRIFT__</figure>
__MIGRATIONS__
</section>
<h2>How many segments</h2>
__K_SENTENCE__
<section class="grid">
__K_FIGURES__
<figure class="chart" id="chart-scatter"><figcaption>Customers on the first two principal
components (__SAMPLE_NOTE__)</figcaption></figure>
<figure class="chart wide" id="chart-heatmap"><figcaption>Segment profiles: each feature's segment
mean in standard deviations from the average customer (red above, blue below)</figcaption></figure>
</section>
<h2>Personas and recommendations</h2>
<section class="cards">__CARDS__</section>
<script type="application/json" id="report-data">__PAYLOAD__</script>
<script>__SCRIPT__</script>
</body></html>
"""

_SCRIPT = r"""
"use strict";
const DATA = JSON.parse(document.getElementById("report-data").textContent);
const NS = "http://www.w3.org/2000/svg";
function el(name, attrs, parent, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}
function svgIn(figure, width, height) {
  return el("svg", {viewBox: `0 0 ${width} ${height}`, width: width, height: height,
                    role: "img"}, figure);
}
function scale(domain, range) {
  const [d0, d1] = domain, [r0, r1] = range, span = (d1 - d0) || 1;
  return (v) => r0 + (v - d0) / span * (r1 - r0);
}
function extent(values) { return [Math.min(...values), Math.max(...values)]; }
function pad([a, b], share) { const p = (b - a || 1) * share; return [a - p, b + p]; }
function fmt(v) {
  const a = Math.abs(v);
  let text;
  if (a >= 1e6) text = String(Number((v / 1e6).toPrecision(4))) + "M";
  else if (a >= 1e3) text = String(Number((v / 1e3).toPrecision(4))) + "k";
  else text = String(Number(v.toPrecision(4)));
  return text.replace(/^-(0(\.0+)?)$/, "$1");
}
function fmt1(v) { return v.toFixed(1).replace(/^-(0\.0)$/, "$1"); }
function axes(svg, x, y, box, xTicks, yTicks, xLabel, yLabel) {
  const g = el("g", {class: "axis"}, svg);
  el("line", {x1: box.l, x2: box.r, y1: box.b, y2: box.b}, g);
  el("line", {x1: box.l, x2: box.l, y1: box.t, y2: box.b}, g);
  for (const t of xTicks) el("text", {x: x(t), y: box.b + 16, "text-anchor": "middle"}, g, fmt(t));
  for (const t of yTicks) el("text", {x: box.l - 6, y: y(t) + 4, "text-anchor": "end"}, g, fmt(t));
  el("text", {x: (box.l + box.r) / 2, y: box.b + 34, "text-anchor": "middle"}, g, xLabel);
  el("text", {x: 14, y: (box.t + box.b) / 2, transform: `rotate(-90 14 ${(box.t + box.b) / 2})`,
              "text-anchor": "middle"}, g, yLabel);
}
function niceStep(span, n) {
  const raw = (span || 1) / n, power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw) * power;
  return step;
}
function niceDomain([a, b], n) {
  const step = niceStep(b - a, n);
  return [Math.floor(a / step) * step, Math.ceil(b / step) * step];
}
function ticks([a, b], n) {
  // round numbers (1, 2, 2.5 or 5 times a power of ten) inside the domain
  const step = niceStep(b - a, n), out = [];
  for (let t = Math.ceil(a / step - 1e-9) * step; t <= b + step * 1e-9; t += step) {
    out.push(Number(t.toPrecision(12)));
  }
  return out;
}
function chosenLegend(figure, rows) {
  const chosen = rows.find((r) => r.is_chosen);
  const legend = document.createElement("div");
  legend.className = "legend";
  legend.innerHTML = '<span><i style="background:#d62728"></i></span>' +
                     '<span><i style="background:#1f77b4"></i>other k</span>';
  legend.firstChild.appendChild(document.createTextNode(
      chosen ? `chosen k = ${chosen.k}` : "chosen k"));
  figure.appendChild(legend);
}
function lineChart(figure, rows, key, label, fromZero) {
  const W = 520, H = 300, box = {l: 66, r: W - 16, t: 12, b: H - 46};
  const svg = svgIn(figure, W, H);
  const points = rows.filter((r) => r[key] !== null && r[key] !== undefined);
  const ks = rows.map((r) => r.k), vs = points.map((r) => r[key]);
  const x = scale(pad(extent(ks), 0.05), [box.l, box.r]);
  let yDomain = niceDomain(pad(extent(vs), 0.05), 4);
  if (fromZero) yDomain = niceDomain([Math.min(0, ...vs), Math.max(...vs, 0) || 1], 4);
  const y = scale(yDomain, [box.b, box.t]);
  axes(svg, x, y, box, ks, ticks(yDomain, 4), "k (number of segments)", label);
  el("polyline", {points: points.map((r) => `${x(r.k)},${y(r[key])}`).join(" "), fill: "none",
                  stroke: "#1f77b4", "stroke-width": 2}, svg);
  for (const r of points) {
    const mark = el("circle", {class: "mark", cx: x(r.k), cy: y(r[key]), r: r.is_chosen ? 7 : 4,
                               fill: r.is_chosen ? "#d62728" : "#1f77b4"}, svg);
    el("title", {}, mark, `k = ${r.k}: ${r[key]}${r.is_chosen ? " (chosen)" : ""}`);
  }
  chosenLegend(figure, rows);
  return points.length;
}
function sizesChart(figure) {
  const segs = DATA.segments, rowH = 34, H = segs.length * rowH + 20;
  const longest = Math.max(...segs.map((s) => s.segment_name.length));
  const left = Math.min(300, 16 + 7.4 * longest), W = left + 330;
  const svg = svgIn(figure, W, H), maxN = Math.max(...segs.map((s) => s.n_customers));
  segs.forEach((s, i) => {
    const y = 10 + i * rowH, w = 150 * s.n_customers / maxN;
    const name = s.segment_name.length > 40 ? s.segment_name.slice(0, 38) + "…" : s.segment_name;
    const label = el("text", {x: left - 8, y: y + 18, "text-anchor": "end"}, svg, name);
    el("title", {}, label, s.segment_name);
    const bar = el("rect", {class: "mark", x: left, y: y, width: Math.max(w, 1), height: rowH - 8,
                            fill: s.color}, svg);
    el("title", {}, bar, `${s.segment_name}: ${s.n_customers} customers`);
    let text = `${s.n_customers.toLocaleString("en")} (${(100 * s.share).toFixed(1)}%)`;
    if (s.change_pp !== null && s.change_pp !== undefined) {
      const c = fmt1(s.change_pp);
      text += ` ${s.change_pp > 0.05 ? "▲ +" + c : s.change_pp < -0.05 ? "▼ " + c : "= " + c} pp`;
    }
    el("text", {x: left + w + 6, y: y + 18}, svg, text);
  });
  return segs.length;
}
function scatterChart(figure) {
  const S = DATA.scatter, W = 520, H = 400, box = {l: 56, r: W - 16, t: 12, b: H - 46};
  const svg = svgIn(figure, W, H);
  const xd = pad(extent(S.pc1), 0.04), yd = pad(extent(S.pc2), 0.04);
  const x = scale(xd, [box.l, box.r]), y = scale(yd, [box.b, box.t]);
  const short = (text, room) => (text.length > room ? text.slice(0, room - 1) + "…" : text);
  const [xName, yName] = DATA.pca_axes.map((a) => a.replace(/ \(\d+% of variance\)/, ""));
  axes(svg, x, y, box, ticks(xd, 5), ticks(yd, 4), short(xName, Math.floor((box.r - box.l) / 7.5)),
       short(yName, Math.floor((box.b - box.t) / 7.5)));
  const color = Object.fromEntries(DATA.segments.map((s) => [s.segment_id, s.color]));
  const g = el("g", {"fill-opacity": 0.55}, svg);
  for (let i = 0; i < S.pc1.length; i++) {
    el("circle", {class: "mark", cx: x(S.pc1[i]).toFixed(1), cy: y(S.pc2[i]).toFixed(1), r: 2.2,
                  fill: color[S.segment_id[i]]}, g);
  }
  const names = document.createElement("p");
  names.className = "axis-names";
  names.textContent = `Horizontal: ${DATA.pca_axes[0]}. Vertical: ${DATA.pca_axes[1]}.`;
  figure.appendChild(names);
  const legend = document.createElement("div");
  legend.className = "legend";
  for (const s of DATA.segments) {
    const item = document.createElement("span");
    item.innerHTML = `<i style="background:${s.color}"></i>`;
    item.appendChild(document.createTextNode(s.segment_name));
    legend.appendChild(item);
  }
  figure.appendChild(legend);
  return S.pc1.length;
}
function heatColor(z) {
  const t = Math.max(-1, Math.min(1, z / 2));
  const mix = (a, b) => Math.round(a + (b - a) * Math.abs(t));
  return t >= 0 ? `rgb(${mix(255, 202)},${mix(255, 0)},${mix(255, 32)})`
                : `rgb(${mix(255, 5)},${mix(255, 113)},${mix(255, 176)})`;
}
function wrap(text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
    else line = line ? line + " " + word : word;
  }
  if (line) lines.push(line);
  return lines;
}
function heatmapChart(figure) {
  // features as rows (horizontal labels), segments as columns (wrapped headers)
  const F = DATA.features, rows = DATA.heatmap, cell = 96, rowH = 24;
  const left = 16 + 7.6 * Math.max(...F.map((f) => f.length));
  const headers = rows.map((r) => wrap(DATA.segments.find(
      (s) => s.segment_id === r.segment_id).segment_name, 13));
  const top = 10 + 16 * Math.max(...headers.map((h) => h.length));
  const W = left + rows.length * cell + 10, H = top + F.length * rowH + 10;
  const svg = svgIn(figure, W, H);
  rows.forEach((row, j) => {
    const cx = left + j * cell + cell / 2;
    const label = el("text", {x: cx, y: top - 6 - 16 * (headers[j].length - 1),
                              "text-anchor": "middle", class: "head"}, svg);
    headers[j].forEach((line, n) => {
      el("tspan", {x: cx, dy: n === 0 ? 0 : 16}, label, line);
    });
  });
  let n = 0;
  F.forEach((f, i) => {
    const y = top + i * rowH;
    el("text", {x: left - 8, y: y + 16, "text-anchor": "end"}, svg, f.replaceAll("_", " "));
    rows.forEach((row, j) => {
      const z = row.values[i];
      const rect = el("rect", {class: "mark", x: left + j * cell, y: y, width: cell - 2,
                               height: rowH - 2, fill: heatColor(z)}, svg);
      el("title", {}, rect, `${f}: ${fmt1(z)} sd`);
      el("text", {x: left + j * cell + cell / 2 - 1, y: y + 16, "text-anchor": "middle",
                   style: Math.abs(z) > 1.2 ? "fill:#fff" : ""}, svg, fmt1(z));
      n++;
    });
  });
  return n;
}
const CHARTS = {
  "chart-elbow": (f) => lineChart(f, DATA.k_selection, "wcss", "WCSS", false),
  "chart-silhouette": (f) => lineChart(f, DATA.k_selection, "silhouette", "silhouette", true),
  "chart-stability": (f) => lineChart(f, DATA.k_selection, "stability", "stability", true),
  "chart-sizes": sizesChart,
  "chart-scatter": scatterChart,
  "chart-heatmap": heatmapChart,
};
for (const [id, draw] of Object.entries(CHARTS)) {
  const figure = document.getElementById(id);
  if (!figure) continue;
  try {
    figure.dataset.marks = String(draw(figure));
  } catch (error) {
    figure.dataset.marks = "error";
    console.error(`chart ${id} failed: ${error}`);
  }
}
// Self-check of the layout, as drawn at this window size: a text clipped by its chart or
// overlapping another, a box whose content overflows, a "-0.0" label. Each problem is a console
// warning and is counted in <body data-layout-problems> (the Chromium tests read both).
function layoutProblems() {
  const problems = [];
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 &&
                           a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                            Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  for (const svg of document.querySelectorAll("svg")) {
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll("text")]
      .map((node) => [node.textContent, node.getBoundingClientRect()])
      .filter(([, rect]) => rect.width > 0);
    texts.forEach(([text, rect], i) => {
      if (!inside(rect, box)) problems.push(`clipped: "${text}"`);
      if (/^-0(\.0+)?$/.test(text)) problems.push(`negative zero: "${text}"`);
      for (const [other, otherRect] of texts.slice(i + 1)) {
        if (overlap(rect, otherRect)) problems.push(`overlap: "${text}" and "${other}"`);
      }
    });
  }
  const width = document.documentElement.clientWidth;
  for (const node of document.querySelectorAll(".card, .fact, .chart, .note")) {
    const name = node.id || node.querySelector("h3, span, figcaption")?.textContent || "";
    if (node.scrollWidth > node.clientWidth + 1) problems.push(`overflow: ${name}`);
    if (node.getBoundingClientRect().right > width + 1) problems.push(`off the page: ${name}`);
  }
  return problems;
}
const problems = layoutProblems();
for (const problem of problems) console.warn(`report layout: ${problem}`);
document.body.dataset.layoutProblems = String(problems.length);
document.body.dataset.rendered = "true";
"""
