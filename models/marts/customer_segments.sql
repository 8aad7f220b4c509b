-- The table analysts query: one row per customer with their segment, persona name, distance to
-- the segment centroid, PCA coordinates for plots, and the imputed features the model used.
{%- set features = segmentation_features() %}

with

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

personas as (

    select * from {{ ref('segment_personas') }}

),

final as (

    select
        scores.customer_id,
        scores.segment_id,
        personas.segment_name,
        scores.distance_to_centroid,
        scores.pc1,
        scores.pc2,
        {% for feature in features -%}
            scores.{{ feature }},
        {% endfor %}
        scores.n_imputed_values

    from scores
    inner join personas
        on scores.segment_id = personas.segment_id

)

select * from final
