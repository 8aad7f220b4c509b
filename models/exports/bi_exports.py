"""Export the marts to Parquet for BI tools (atomic file replacement); one row per file."""

from customer_segmentation.exports import export_tables


def model(dbt, session):
    dbt.config(materialized="table")
    exports_dir = dbt.config.get("exports_dir")
    marts = {
        "customer_segments": dbt.ref("customer_segments"),
        "segment_profiles": dbt.ref("segment_profiles"),
        "segment_personas": dbt.ref("segment_personas"),
    }
    return export_tables(marts, exports_dir)
