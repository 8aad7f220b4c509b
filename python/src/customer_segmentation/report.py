"""A self-contained HTML segment report generated from the marts.

One HTML file, no network needed to view it: the CSS and the JavaScript are inline and the charts
are SVG drawn in the browser from the data embedded in the page (JSON). Charts: elbow curve and
silhouette by k (``k_selection``; a clear note when that mart is not built), PCA scatter coloured
by segment (a deterministic uniform sample for large data), heatmap of the standardized profile
means (``segment_profiles``), segment sizes and persona cards with recommendations
(``segment_personas``).

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


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = current_schema()"
    ).fetchall()
    return {str(row[0]) for row in rows}


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
    personas = con.sql(
        "select segment_id, segment_name, persona_name, n_customers, share_of_customers,"
        " description, recommendation from segment_personas order by segment_id"
    ).df()
    profiles = con.sql(
        "select segment_id, segment_name, feature_name, mean_value, mean_standardized_value,"
        " overall_mean_value from segment_profiles order by segment_id, feature_name"
    ).df()
    n_customers = int(con.execute("select count(*) from customer_segments").fetchall()[0][0])
    scatter = con.execute(
        "select segment_id, pc1, pc2 from customer_segments"
        " order by md5(customer_id), customer_id limit ?",
        [max_points],
    ).df()
    notes: list[str] = []
    k_selection = None
    if "k_selection" in present:
        columns = {row[0] for row in con.execute("describe k_selection").fetchall()}
        lacking = [c for c in K_SELECTION_COLUMNS if c not in columns]
        if lacking:
            raise ReportInputError(f"k_selection lacks the column(s) {', '.join(lacking)}")
        k_selection = con.sql(
            "select k, wcss, silhouette, is_chosen from k_selection order by k"
        ).df()
    else:
        notes.append(
            "k_selection not built: the elbow and silhouette charts need the k_selection mart"
            " (the k sweep); build it and re-run the report."
        )
    return ReportData(personas, profiles, scatter, n_customers, k_selection, notes)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))


def report_payload(data: ReportData) -> dict[str, Any]:
    """The JSON the page's script draws from."""
    segments = [
        {
            "segment_id": int(row.segment_id),
            "segment_name": str(row.segment_name),
            "n_customers": int(row.n_customers),
            "share": float(row.share_of_customers),
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
        "k_selection": None if data.k_selection is None else _records(data.k_selection),
    }


def _persona_cards(personas: pd.DataFrame) -> str:
    cards = []
    for row in personas.itertuples():
        color = PALETTE[(int(row.segment_id) - 1) % len(PALETTE)]
        cards.append(
            f'<article class="card" style="border-top-color:{color}">'
            f"<h3>{html.escape(str(row.segment_name))}</h3>"
            f'<p class="size">Segment {int(row.segment_id)} · {int(row.n_customers):,} customers'
            f" · {float(row.share_of_customers):.1%}</p>"
            f"<p>{html.escape(str(row.description))}</p>"
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
    k_figures = (
        '<figure class="chart" id="chart-elbow"><figcaption>Elbow curve: within-cluster sum of'
        " squares by k</figcaption></figure>"
        '<figure class="chart" id="chart-silhouette"><figcaption>Silhouette score by k'
        " (higher is better)</figcaption></figure>"
        if data.k_selection is not None
        else ""
    )
    return (
        _TEMPLATE.replace("__TITLE__", html.escape(title))
        .replace("__CSS__", _CSS)
        .replace("__SCRIPT__", _SCRIPT)
        .replace("__PAYLOAD__", payload)
        .replace("__NOTES__", notes)
        .replace("__K_FIGURES__", k_figures)
        .replace("__SAMPLE_NOTE__", html.escape(sample_note))
        .replace("__N_CUSTOMERS__", f"{data.n_customers:,}")
        .replace("__N_SEGMENTS__", str(len(data.personas)))
        .replace("__CARDS__", _persona_cards(data.personas))
    )


def write_report(database: str | Path, out: str | Path, max_points: int = DEFAULT_SCATTER_POINTS):
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
h1 { margin: 0 0 4px; } .lead { color: #555; margin: 0 0 20px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 18px;
        align-items: start; }
.chart { background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 0; padding: 12px; }
.chart.wide { grid-column: 1 / -1; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg text { font-size: 11px; fill: #333; } .axis line, .axis path { stroke: #999; }
.note { background: #fff4d6; border: 1px solid #e0c36a; padding: 8px 12px; border-radius: 4px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 14px; }
.card { background: #fff; border: 1px solid #ddd; border-top: 6px solid #888; border-radius: 6px;
        padding: 10px 14px; } .card h3 { margin: 4px 0; } .size { color: #666; margin: 0; }
.reco { background: #f2f7ff; padding: 6px 8px; border-radius: 4px; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px;
            border-radius: 50%; }
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title><style>__CSS__</style></head>
<body>
<h1>__TITLE__</h1>
<p class="lead">__N_CUSTOMERS__ customers in __N_SEGMENTS__ segments. Generated from the marts
customer_segments, segment_profiles, segment_personas and k_selection.</p>
__NOTES__
<section class="grid">
__K_FIGURES__
<figure class="chart" id="chart-sizes"><figcaption>Segment sizes</figcaption></figure>
<figure class="chart" id="chart-scatter"><figcaption>Customers on the first two principal
components (__SAMPLE_NOTE__)</figcaption></figure>
<figure class="chart wide" id="chart-heatmap"><figcaption>Segment profiles: mean standardized
value of each feature (standard deviations from the average customer)</figcaption></figure>
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
  return el("svg", {viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img"}, figure);
}
function scale(domain, range) {
  const [d0, d1] = domain, [r0, r1] = range, span = (d1 - d0) || 1;
  return (v) => r0 + (v - d0) / span * (r1 - r0);
}
function extent(values) { return [Math.min(...values), Math.max(...values)]; }
function pad([a, b], share) { const p = (b - a || 1) * share; return [a - p, b + p]; }
function axes(svg, x, y, box, xTicks, yTicks, xLabel, yLabel) {
  const g = el("g", {class: "axis"}, svg);
  el("line", {x1: box.l, x2: box.r, y1: box.b, y2: box.b}, g);
  el("line", {x1: box.l, x2: box.l, y1: box.t, y2: box.b}, g);
  for (const t of xTicks) el("text", {x: x(t), y: box.b + 14, "text-anchor": "middle"}, g, fmt(t));
  for (const t of yTicks) el("text", {x: box.l - 6, y: y(t) + 4, "text-anchor": "end"}, g, fmt(t));
  el("text", {x: (box.l + box.r) / 2, y: box.b + 30, "text-anchor": "middle"}, g, xLabel);
  el("text", {x: 12, y: (box.t + box.b) / 2, transform: `rotate(-90 12 ${(box.t + box.b) / 2})`,
              "text-anchor": "middle"}, g, yLabel);
}
function ticks([a, b], n) {
  const out = [];
  for (let i = 0; i <= n; i++) out.push(a + (b - a) * i / n);
  return out;
}
function fmt(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
  if (a >= 1e3) return (v / 1e3).toFixed(1) + "k";
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
function lineChart(figure, rows, key, label) {
  const W = 560, H = 300, box = {l: 60, r: W - 16, t: 12, b: H - 40};
  const svg = svgIn(figure, W, H);
  const ks = rows.map((r) => r.k), vs = rows.map((r) => r[key]).filter((v) => v !== null);
  const x = scale(pad(extent(ks), 0.05), [box.l, box.r]);
  const yDomain = pad(extent(vs), 0.1), y = scale(yDomain, [box.b, box.t]);
  axes(svg, x, y, box, ks, ticks(yDomain, 4), "k (number of segments)", label);
  const points = rows.filter((r) => r[key] !== null);
  el("polyline", {points: points.map((r) => `${x(r.k)},${y(r[key])}`).join(" "), fill: "none",
                  stroke: "#1f77b4", "stroke-width": 2}, svg);
  for (const r of points) {
    const mark = el("circle", {class: "mark", cx: x(r.k), cy: y(r[key]), r: r.is_chosen ? 7 : 4,
                               fill: r.is_chosen ? "#d62728" : "#1f77b4"}, svg);
    el("title", {}, mark, `k = ${r.k}: ${r[key]}${r.is_chosen ? " (chosen)" : ""}`);
  }
  return points.length;
}
function sizesChart(figure) {
  const segs = DATA.segments, W = 560, rowH = 34, H = segs.length * rowH + 20;
  const svg = svgIn(figure, W, H), left = 230, maxN = Math.max(...segs.map((s) => s.n_customers));
  segs.forEach((s, i) => {
    const y = 10 + i * rowH, w = (W - left - 90) * s.n_customers / maxN;
    el("text", {x: left - 8, y: y + 18, "text-anchor": "end"}, svg, s.segment_name);
    const bar = el("rect", {class: "mark", x: left, y: y, width: Math.max(w, 1), height: rowH - 8,
                            fill: s.color}, svg);
    el("title", {}, bar, `${s.segment_name}: ${s.n_customers} customers`);
    el("text", {x: left + w + 6, y: y + 18}, svg,
       `${s.n_customers.toLocaleString("en")} (${(100 * s.share).toFixed(1)}%)`);
  });
  return segs.length;
}
function scatterChart(figure) {
  const S = DATA.scatter, W = 560, H = 380, box = {l: 50, r: W - 16, t: 12, b: H - 40};
  const svg = svgIn(figure, W, H);
  const xd = pad(extent(S.pc1), 0.04), yd = pad(extent(S.pc2), 0.04);
  const x = scale(xd, [box.l, box.r]), y = scale(yd, [box.b, box.t]);
  axes(svg, x, y, box, ticks(xd, 5), ticks(yd, 4), "PC 1", "PC 2");
  const color = Object.fromEntries(DATA.segments.map((s) => [s.segment_id, s.color]));
  const g = el("g", {"fill-opacity": 0.55}, svg);
  for (let i = 0; i < S.pc1.length; i++) {
    el("circle", {class: "mark", cx: x(S.pc1[i]).toFixed(1), cy: y(S.pc2[i]).toFixed(1), r: 2.2,
                  fill: color[S.segment_id[i]]}, g);
  }
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
function heatmapChart(figure) {
  const F = DATA.features, rows = DATA.heatmap, cell = 58, left = 230, top = 200;
  const W = left + F.length * cell + 10, H = top + rows.length * 34 + 10;
  const svg = svgIn(figure, W, H);
  const name = Object.fromEntries(DATA.segments.map((s) => [s.segment_id, s.segment_name]));
  F.forEach((f, j) => {
    const cx = left + j * cell + cell / 2;
    el("text", {x: cx, y: top - 8, transform: `rotate(-50 ${cx} ${top - 8})`}, svg,
       f.replaceAll("_", " "));
  });
  let n = 0;
  rows.forEach((row, i) => {
    const y = top + i * 34;
    el("text", {x: left - 8, y: y + 21, "text-anchor": "end"}, svg, name[row.segment_id]);
    row.values.forEach((z, j) => {
      const rect = el("rect", {class: "mark", x: left + j * cell, y: y, width: cell - 2,
                               height: 32, fill: heatColor(z)}, svg);
      el("title", {}, rect, `${name[row.segment_id]} · ${F[j]}: ${z.toFixed(2)} sd`);
      el("text", {x: left + j * cell + cell / 2 - 1, y: y + 20, "text-anchor": "middle",
                   style: Math.abs(z) > 1.2 ? "fill:#fff" : ""}, svg, z.toFixed(1));
      n++;
    });
  });
  return n;
}
const CHARTS = {
  "chart-elbow": (f) => lineChart(f, DATA.k_selection, "wcss", "WCSS (inertia)"),
  "chart-silhouette": (f) => lineChart(f, DATA.k_selection, "silhouette", "silhouette"),
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
document.body.dataset.rendered = "true";
"""
