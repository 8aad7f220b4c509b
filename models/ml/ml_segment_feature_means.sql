-- Per segment and feature: the mean imputed (raw) value and the mean standardized value of
-- the customers scored into the segment, with the segment's size. The basis of profiles and
-- personas.
{%- set features = segmentation_features() %}

with

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

segment_means as (

    select
        segment_id,
        {% for feature in features -%}
            {{ exact_avg(feature) }} as mean__{{ feature }},
            {{ exact_avg("z_" ~ feature) }} as mean_z__{{ feature }},
        {% endfor %}
        count(*) as n_customers

    from scores
    group by segment_id

),

unpivoted as (

    {{ unpivot_feature_columns(
        "segment_means",
        features,
        {"mean_value": "mean__", "mean_standardized_value": "mean_z__"},
        keep_columns=["segment_id", "n_customers"],
    ) }}

),

final as (

    select * from unpivoted

)

select * from final
