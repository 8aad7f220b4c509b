"""Name each segment after the catalogue persona whose conditions hold (package: personas.py)."""

from customer_segmentation.frames import to_engine, to_pandas
from customer_segmentation.personas import name_segments


def model(dbt, session):
    dbt.config(materialized="table")
    requested_catalogue = dbt.config.get("persona_catalogue")
    min_score = dbt.config.get("min_score")
    min_deviation = dbt.config.get("min_deviation")
    centroids = to_pandas(dbt.ref("ml_segment_centroids"))
    named = name_segments(
        feature_means=to_pandas(dbt.ref("ml_segment_feature_means")),
        catalogue=to_pandas(dbt.ref("persona_catalogue")),
        rules=to_pandas(dbt.ref("persona_rules")),
        conditions=to_pandas(dbt.ref("persona_conditions")),
        separation=to_pandas(dbt.ref("ml_segment_separation")),
        fitted_features=set(centroids["feature_name"]),
        requested_catalogue=str(requested_catalogue),
        min_score=float(min_score),
        min_deviation=float(min_deviation),
    )
    return to_engine(named, session)
