-- Parameter store (incremental, never fully refreshed): every fit run's rows of
-- ml_segment_centroids under the fit run's id; a score run adds nothing (docs/lifecycle.md).
{{ config(
    materialized="incremental",
    incremental_strategy="delete+insert" if target.type == "duckdb" else "append",
    unique_key="model_run_id",
    full_refresh=false,
    on_schema_change="append_new_columns",
) }}
{{ model_parameter_store(ref('ml_segment_centroids')) }}
