from __future__ import annotations

import html
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from customer_segmentation.report import (
    ReportInputError,
    k_selection_sentence,
    load_report_data,
    main,
    render_report,
    report_payload,
)


def make_marts(con: duckdb.DuckDBPyConnection, n_customers: int = 50) -> None:
    con.execute(
        "create table segment_personas as select * from (values"
        " (1, 'Big </script><b>x', 'P1', 30, 0.6, 'Desc <1>', 'Reco & more'),"
        " (2, 'Small', 'P2', 20, 0.4, 'Desc 2', 'Reco 2'))"
        " as t(segment_id, segment_name, persona_name, n_customers, share_of_customers,"
        " description, recommendation)"
    )
    con.execute(
        "create table segment_profiles as select p.segment_id, p.segment_name, f.feature_name,"
        " 10.0 * p.segment_id as mean_value,"
        " case when p.segment_id = 1 then 0.5 else -0.75 end as mean_standardized_value,"
        " 15.0 as overall_mean_value"
        " from segment_personas as p"
        " cross join (values ('balance'), ('purchases')) as f(feature_name)"
    )
    con.execute(
        "create table customer_segments as select 'C' || lpad(cast(i as varchar), 4, '0')"
        " as customer_id, case when i < 30 then 1 else 2 end as segment_id,"
        " i * 0.1 as pc1, -i * 0.2 as pc2"
        f" from range({n_customers}) as r(i)"
    )


def test_without_k_selection_the_report_says_so_and_draws_the_rest() -> None:
    con = duckdb.connect()
    make_marts(con)
    data = load_report_data(con)
    assert data.k_selection is None
    assert any("k_selection not built" in note for note in data.notes)
    page = render_report(data)
    assert "k_selection not built" in page
    assert 'id="chart-elbow"' not in page
    for chart in ("chart-sizes", "chart-scatter", "chart-heatmap"):
        assert f'id="{chart}"' in page


def test_payload_carries_the_marts(tmp_path: Path) -> None:
    con = duckdb.connect()
    make_marts(con)
    con.execute(
        "create table k_selection as select k, 100.0 / k as wcss, 0.1 * k as silhouette,"
        " 1.0 as davies_bouldin, 2.0 as calinski_harabasz, 10 as silhouette_sample_size,"
        " k = 3 as is_chosen from range(2, 6) as r(k)"
    )
    data = load_report_data(con, max_points=20)
    payload = report_payload(data)
    assert [s["n_customers"] for s in payload["segments"]] == [30, 20]
    assert payload["features"] == ["balance", "purchases"]
    assert payload["heatmap"] == [
        {"segment_id": 1, "values": [0.5, 0.5]},
        {"segment_id": 2, "values": [-0.75, -0.75]},
    ]
    assert len(payload["scatter"]["pc1"]) == 20  # sampled
    assert [row["k"] for row in payload["k_selection"]] == [2, 3, 4, 5]
    assert [row["is_chosen"] for row in payload["k_selection"]] == [False, True, False, False]
    page = render_report(data)
    assert "20 of 50 customers (uniform sample)" in page
    assert 'id="chart-elbow"' in page and 'id="chart-silhouette"' in page
    # the embedded JSON round-trips
    embedded = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page)
    assert embedded is not None
    assert json.loads(embedded.group(1)) == json.loads(json.dumps(payload))


def test_page_is_self_contained_and_escapes_mart_text() -> None:
    con = duckdb.connect()
    make_marts(con)
    page = render_report(load_report_data(con))
    # nothing is fetched: no src/href/url()/@import pointing anywhere
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", page)
    assert re.findall(r"https?://[^\s\"'`]+", page) == ["http://www.w3.org/2000/svg"]
    # a segment name cannot break out of its element or of the data script
    assert "<b>x" not in page
    assert "Big &lt;/script&gt;&lt;b&gt;x" in page
    assert page.count("</script>") == 2
    assert "Reco &amp; more" in page


def test_missing_marts_and_bad_k_selection_are_named() -> None:
    con = duckdb.connect()
    with pytest.raises(
        ReportInputError, match=r"mart\(s\) customer_segments, segment_personas, segment_profiles"
    ):
        load_report_data(con)
    make_marts(con)
    con.execute("create table k_selection as select 2 as k, 1.0 as wcss")
    with pytest.raises(
        ReportInputError, match=r"k_selection lacks the column\(s\) silhouette, is_chosen"
    ):
        load_report_data(con)
    with pytest.raises(ReportInputError, match="max_points must be positive"):
        load_report_data(con, max_points=0)


def test_command_line_writes_the_file_and_reports_a_missing_database(tmp_path: Path) -> None:
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        make_marts(con)
    out = tmp_path / "r" / "report.html"
    main(["--database", str(database), "--out", str(out)])
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(SystemExit) as exit_info:
        main(["--database", str(tmp_path / "missing.duckdb"), "--out", str(out)])
    assert exit_info.value.code == 2


def add_monitoring_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Two runs of history, drift, PCA loadings, quarantine and the k sweep with its flags."""
    con.execute(
        "create table segment_share_changes as select * from (values"
        " ('r1', timestamp '2026-01-01', null, 1, 25, 0.5, false),"
        " ('r1', timestamp '2026-01-01', null, 2, 25, 0.5, false),"
        " ('r2', timestamp '2026-02-01', 'r1', 1, 30, 10.0, false),"
        " ('r2', timestamp '2026-02-01', 'r1', 2, 20, -10.0, false))"
        " as t(run_id, run_at, previous_run_id, segment_id, current_n_customers,"
        " share_change_pp, is_new_segment)"
    )
    con.execute(
        "alter table segment_share_changes add column previous_n_customers bigint default 25"
    )
    con.execute(
        "create table segment_migrations as select * from (values"
        " ('r2', timestamp '2026-02-01', 1, 'Big', 1, 'Big', 22),"
        " ('r2', timestamp '2026-02-01', 1, 'Big', 2, 'Small', 3),"
        " ('r2', timestamp '2026-02-01', 2, 'Small', 1, 'Big', 8),"
        " ('r2', timestamp '2026-02-01', 2, 'Small', 2, 'Small', 17))"
        " as t(run_id, run_at, from_segment_id, from_segment_name, to_segment_id,"
        " to_segment_name, n_customers)"
    )
    con.execute(
        "create table feature_drift as select * from (values"
        " ('r2', timestamp '2026-02-01', 'balance', 0.31, 'alert'),"
        " ('r2', timestamp '2026-02-01', 'purchases', 0.02, 'ok'),"
        " ('r1', timestamp '2026-01-01', 'balance', null, 'no_baseline'))"
        " as t(run_id, run_at, feature_name, psi, drift_status)"
    )
    con.execute(
        "create table pca_components as select * from (values"
        " (1, 'purchases', 0.7, 1, 0.4), (1, 'balance', -0.3, 2, 0.4),"
        " (2, 'balance', 0.9, 1, 0.2), (2, 'purchases', 0.1, 2, 0.2))"
        " as t(component, feature_name, loading, loading_rank, explained_variance_ratio)"
    )
    con.execute(
        "create table quarantine as select * from (values"
        " (7, 'quarantined'), (7, 'quarantined'), (9, 'quarantined'), (12, 'kept'))"
        " as t(source_row_number, row_action)"
    )
    con.execute(
        "create table ml_fit_run as select 'r2' as run_id, timestamp '2026-02-01 06:00' as run_at,"
        """ '{"input_format": "cc_general", "customers_csv": "data/cc.csv"}' as run_vars"""
    )
    con.execute(
        "create table k_selection as select k, 100.0 / k as wcss, 0.1 * k as silhouette,"
        " k = 3 as is_chosen, 0.9 - 0.1 * k as stability, true as no_elbow, true as disagree,"
        " 3 as knee_k, 5 as silhouette_k, 2 as stability_k from range(2, 6) as r(k)"
    )


def test_report_shows_run_facts_history_drift_and_named_axes() -> None:
    con = duckdb.connect()
    make_marts(con)
    add_monitoring_marts(con)
    data = load_report_data(con)
    # counts from quarantine (distinct rows) + customer_segments, computed independently here
    assert data.row_counts == {
        "rows_read": 50 + 2,
        "rows_segmented": 50,
        "rows_quarantined": 2,
        "rows_kept_with_warnings": 1,
    }
    assert data.run == {
        "run_at": "2026-02-01 06:00:00",
        "input_format": "cc_general",
        "input": "data/cc.csv",
    }
    payload = report_payload(data)
    assert [s["change_pp"] for s in payload["segments"]] == [10.0, -10.0]
    assert payload["pca_axes"] == [
        "PC1 (40% of variance): purchases, minus balance",
        "PC2 (20% of variance): balance, purchases",
    ]
    assert data.drift is not None and list(data.drift["feature_name"]) == ["balance", "purchases"]
    page = render_report(data)
    for text in (
        "2026-02-01 06:00:00",
        "data/cc.csv",
        "<strong>52</strong>",
        '<span class="light red"></span>alert',
        '<span class="light green"></span>ok',
        'id="chart-stability"',
        'id="migration-matrix"',
    ):
        assert text in page, text
    # migration matrix: rows = last run's segment, columns = now; the diagonal stays
    assert '<td class="num stay">22</td><td class="num">3</td>' in page
    assert '<td class="num">8</td><td class="num stay">17</td>' in page
    sentence = k_selection_sentence(data.k_selection)
    assert sentence is not None and "these 3 groups" in sentence
    assert "elbow k = 3, silhouette k = 5, stability k = 2" in sentence
    assert sentence in html.unescape(page)
    assert "No earlier run" not in page


def test_without_history_or_flags_the_report_says_so() -> None:
    con = duckdb.connect()
    make_marts(con)
    data = load_report_data(con)
    assert data.row_counts["rows_quarantined"] is None
    page = render_report(data)
    assert "No earlier run in the history" in page
    assert "Drift not available" in page
    assert 'id="migration-matrix"' not in page
    flags = pd.DataFrame(
        {
            "k": [2, 3],
            "is_chosen": [False, True],
            "no_elbow": [False, False],
            "disagree": [False, False],
        }
    )
    assert k_selection_sentence(flags) is None


def test_run_summary_wins_over_the_computed_counts() -> None:
    con = duckdb.connect()
    make_marts(con)
    add_monitoring_marts(con)
    con.execute(
        "create table run_summary as select 100 as rows_read, 90 as rows_segmented,"
        " 10 as rows_quarantined, 4 as rows_kept_with_warnings"
    )
    assert load_report_data(con).row_counts["rows_read"] == 100


def test_persona_cards_carry_the_quality_word() -> None:
    con = duckdb.connect()
    make_marts(con)
    con.execute("alter table segment_personas add column quality varchar default 'weak'")
    con.execute("alter table segment_personas add column quality_note varchar default 'Weak: x.'")
    page = render_report(load_report_data(con))
    assert page.count('<span class="badge">weak</span> Weak: x.') == 2
    assert "pooled sd" not in page
