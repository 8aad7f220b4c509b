"""Audience files for campaign tools: one CSV per segment of the latest run (atomic writes)."""

from customer_segmentation.exports import export_audiences


def model(dbt, session):
    dbt.config(materialized="table")
    audiences_dir = dbt.config.get("audiences_dir")
    # Gate: a drift alert (a failing feature_drift test) skips this model, so campaign tools
    # keep the previous audiences until someone has looked at the drift.
    dbt.ref("feature_drift")
    return export_audiences(dbt.ref("segment_audience_changes"), audiences_dir)
