-- The current fit's centroids under their stable segment ids: ml_kmeans_centroids with its own
-- (size-ordered) segment id replaced by the id ml_centroid_history gave it for this run. The
-- one place where fitted centroids are consumed (ml_customer_scores scores against this).
--
-- Score run (docs/lifecycle.md): the scoring model's stored values instead.
{%- set decision = lifecycle_decision() %}
{%- if decision.run_kind == "score" %}

with

stored as (

    select * from {{ stored_parameters("ml_model_centroids", decision.model_run_id) }} as stored_rows

),

final as (

    select
        segment_id,
        raw_segment_id,
        feature_name,
        centroid_value,
        n_fit_customers,
        n_fit_rows,
        fit_inertia,
        n_iterations,
        random_seed

    from stored

)

select * from final
{%- else %}

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

final as (

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

)

select * from final
{%- endif %}
