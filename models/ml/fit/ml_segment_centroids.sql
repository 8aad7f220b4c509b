-- The current fit's centroids under their stable segment ids: ml_kmeans_centroids with its own
-- (size-ordered) segment id replaced by the id ml_centroid_history gave it for this run. The
-- one place where fitted centroids are consumed (ml_customer_scores scores against this).
--
-- A score run (docs/lifecycle.md) selects the scoring model's stored rows instead of `fitted`.
{%- set decision = lifecycle_decision() %}
{%- set parameters = stored_parameters("ml_model_centroids", decision.model_run_id)
    if decision.run_kind == "score" else "fitted" %}

with

centroids as (

    select * from {{ ref('ml_kmeans_centroids') }}

),

fit_run as (

    select * from {{ ref('ml_fit_run') }}

),

centroid_history as (

    select * from {{ ref('ml_centroid_history') }}

),

stable_ids as (

    select distinct
        centroid_history.raw_segment_id,
        centroid_history.segment_id

    from centroid_history
    inner join fit_run
        on centroid_history.run_id = fit_run.run_id

),

fitted as (

    select
        stable_ids.segment_id,
        centroids.segment_id as raw_segment_id,
        centroids.feature_name,
        centroids.centroid_value,
        centroids.n_fit_customers,
        centroids.n_fit_rows,
        centroids.fit_inertia,
        centroids.n_iterations,
        centroids.random_seed

    from centroids
    inner join stable_ids
        on centroids.segment_id = stable_ids.raw_segment_id

),

final as (

    select
        model_parameters.segment_id,
        model_parameters.raw_segment_id,
        model_parameters.feature_name,
        model_parameters.centroid_value,
        model_parameters.n_fit_customers,
        model_parameters.n_fit_rows,
        model_parameters.fit_inertia,
        model_parameters.n_iterations,
        model_parameters.random_seed

    from {{ parameters }} as model_parameters

)

select * from final
