-- The table analysts query: one row per customer with their segment, persona name, distance to
-- the segment centroid, the outlier flag, PCA coordinates for plots, and the imputed features
-- the model used. An outlier lies farther from its centroid than the segment's outlier
-- distance threshold (ml_segment_distance_stats, var outlier_contamination).
{%- set features = segmentation_features() %}

with

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

personas as (

    select * from {{ ref('segment_personas') }}

),

distance_stats as (

    select * from {{ ref('ml_segment_distance_stats') }}

),

final as (

    select
        scores.customer_id,
        scores.segment_id,
        personas.segment_name,
        scores.distance_to_centroid,
        coalesce(
            scores.distance_to_centroid > distance_stats.outlier_distance_threshold, false
        ) as is_outlier,
        scores.pc1,
        scores.pc2,
        {% for feature in features -%}
            scores.{{ feature }},
        {% endfor %}
        scores.n_imputed_values

    from scores
    inner join personas
        on scores.segment_id = personas.segment_id
    inner join distance_stats
        on scores.segment_id = distance_stats.segment_id

)

select * from final
