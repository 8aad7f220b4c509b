from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from customer_segmentation.report import (
    ReportInputError,
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
