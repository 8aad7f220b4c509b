from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from customer_segmentation.frames import is_spark, replace_rows, to_engine, to_pandas
from customer_segmentation.spark_dbt import session_config


def test_duckdb_relations_and_pandas_frames_pass_through() -> None:
    con = duckdb.connect()
    relation = con.sql("select 1 as a, 'x' as b")
    frame = to_pandas(relation)
    assert frame.to_dict("records") == [{"a": 1, "b": "x"}]
    assert to_pandas(frame) is frame
    # on DuckDB the model returns the pandas frame itself
    assert to_engine(frame, con) is frame
    assert not is_spark(con) and not is_spark(frame)


def history(run_at: list[str], value: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"run_at": pd.to_datetime(run_at), "value": value, "run_id": [f"r{i}" for i in value]}
    )


def test_replace_rows_is_delete_plus_insert_by_key() -> None:
    existing = history(["2026-01-01", "2026-02-01", "2026-02-01"], [1.0, 2.0, 3.0])
    new = history(["2026-02-01"], [4.0])
    result = replace_rows(existing, new, key="run_at")
    assert result["value"].tolist() == [1.0, 4.0]
    assert list(result.columns) == list(new.columns)


@pytest.mark.parametrize("existing", [None, history([], [])])
def test_replace_rows_without_history_returns_the_new_rows(existing) -> None:
    new = history(["2026-02-01"], [4.0])
    pd.testing.assert_frame_equal(replace_rows(existing, new, key="run_at"), new)


def test_local_session_settings(tmp_path) -> None:
    settings = session_config(tmp_path)
    assert settings["spark.sql.warehouse.dir"] == str(tmp_path / "warehouse")
    assert str(tmp_path / "metastore_db") in settings["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert settings["spark.sql.session.timeZone"] == "UTC"
