"""Name each segment after the catalogue persona whose conditions hold (package: personas.py)."""

from customer_segmentation.frames import to_engine, to_pandas
from customer_segmentation.lifecycle import is_score_run, stored_parameters
from customer_segmentation.personas import name_segments
from customer_segmentation.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    lifecycle = to_pandas(dbt.ref("ml_lifecycle_run"))
    if is_score_run(lifecycle):  # names follow the model that scores
        return to_engine(stored_parameters(session, lifecycle, "ml_model_personas"), session)
    personas = Settings.from_json(dbt.config.get("settings")).personas
    centroids = to_pandas(dbt.ref("ml_segment_centroids"))
    named = name_segments(
        feature_means=to_pandas(dbt.ref("ml_segment_feature_means")),
        catalogue=to_pandas(dbt.ref("persona_catalogue")),
        rules=to_pandas(dbt.ref("persona_rules")),
        conditions=to_pandas(dbt.ref("persona_conditions")),
        separation=to_pandas(dbt.ref("ml_segment_separation")),
        fitted_features=set(centroids["feature_name"]),
        requested_catalogue=personas.catalogue,
        min_score=personas.min_score,
        min_deviation=personas.min_deviation,
    )
    return to_engine(named, session)
