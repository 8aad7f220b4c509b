"""Engine-neutral hand-over between dbt Python models and the python/ package.

A dbt Python model gets DuckDB relations on DuckDB and Spark DataFrames on Spark. The package's
functions take and return pandas DataFrames, so the models convert at the edges: `to_pandas` for
what they read (small tables only: fit samples, parameters, history; the full customer table never
leaves the warehouse), `to_engine` for what they return. Both go through Arrow, which keeps dtypes
(pandas 3 strings included) the same on both engines.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa


def is_spark(obj: Any) -> bool:
    """True for a pyspark SparkSession or DataFrame (checked by module, pyspark is optional)."""
    return type(obj).__module__.startswith("pyspark.")


def to_pandas(relation: Any) -> pd.DataFrame:
    """A DuckDB relation or a Spark DataFrame as a pandas DataFrame (collected to this process)."""
    if isinstance(relation, pd.DataFrame):
        return relation
    if is_spark(relation):
        table = relation.toArrow()  # pyspark >= 4.0
        # Spark TIMESTAMP arrives in UTC with its zone; DuckDB's TIMESTAMP is naive (UTC too).
        fields = [
            field.with_type(pa.timestamp(field.type.unit))
            if pa.types.is_timestamp(field.type) and field.type.tz is not None
            else field
            for field in table.schema
        ]
        return table.cast(pa.schema(fields)).to_pandas()
    return relation.df()


def to_engine(frame: pd.DataFrame, session: Any) -> Any:
    """What the model returns: the pandas frame itself on DuckDB, a Spark DataFrame on Spark.

    Naive timestamps become Spark TIMESTAMP (session time zone, UTC in this project), as the SQL
    models produce, not TIMESTAMP_NTZ.
    """
    if not is_spark(session):
        return frame
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for field in table.schema:
        if pa.types.is_timestamp(field.type) and field.type.tz is None:
            field = field.with_type(pa.timestamp("us", tz="UTC"))
        elif pa.types.is_large_string(field.type) or pa.types.is_string_view(field.type):
            field = field.with_type(pa.string())
        fields.append(field)
    return session.createDataFrame(table.cast(pa.schema(fields)))


def replace_rows(existing: pd.DataFrame | None, new_rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """``existing`` without the rows whose ``key`` occurs in ``new_rows``, plus ``new_rows``.

    The delete+insert of an incremental model done in the model itself, for engines whose
    incremental strategies cannot delete by key on plain Parquet tables (Spark): the model then
    returns the whole new table and dbt overwrites it (insert_overwrite without partitions).
    """
    if existing is None or existing.empty:
        return new_rows.reset_index(drop=True)
    kept = existing[~existing[key].isin(set(new_rows[key]))]
    kept = kept[list(new_rows.columns)].astype(new_rows.dtypes.to_dict())
    return pd.concat([kept, new_rows], ignore_index=True)
