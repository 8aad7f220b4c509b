-- Scores every customer in SQL with the fitted parameters: the nearest k-means centroid
-- (Euclidean distance in standardized space, ties to the lower segment id) and the PCA
-- coordinates pc1..pcN. Carries the customer's imputed and standardized features through.
--
-- One pass, no join and no window: the centroids are pivoted into a single row (one column per
-- segment and feature), every customer gets one distance column per segment, and a `case`
-- picks the first segment with the minimal distance. The segment ids are read from
-- ml_segment_centroids (the fit's centroids under their stable ids) when this model runs (macro
-- fitted_segment_ids), so any fitted k and any stable ids work.
{%- set features = segmentation_features() %}
{%- set n_components = var("pca_components") | int %}
{%- set segment_ids = fitted_segment_ids(ref('ml_segment_centroids')) %}

with

customers as (

    select * from {{ ref('int_customers_standardized') }}

),

centroid_values as (

    select * from {{ ref('ml_segment_centroids') }}

),

pca_loadings as (

    select * from {{ ref('ml_pca_loadings') }}

),

centroids as (

    select
        {% for segment_id in segment_ids -%}
            {{ pivot_feature_values(
                "centroid_value",
                features,
                prefix="centroid_" ~ segment_id ~ "__",
                condition="segment_id = " ~ segment_id,
            ) }},
        {% endfor %}
        count(*) as n_centroid_values
    from centroid_values

),

projection as (

    select
        {% for component in range(1, n_components + 1) -%}
            {{ pivot_feature_values(
                "loading",
                features,
                prefix="loading_" ~ component ~ "__",
                condition="component = " ~ component,
            ) }},
        {% endfor %}
        {{ pivot_feature_values("feature_mean", features, prefix="pca_mean__") }}
    from pca_loadings

),

distances as (

    select
        {% for segment_id in segment_ids -%}
            sqrt({{ squared_distance(
                features, "customers.z_", "centroids.centroid_" ~ segment_id ~ "__"
            ) }}) as distance_to_segment_{{ segment_id }},
        {% endfor %}
        {% for component in range(1, n_components + 1) -%}
            {{ pca_coordinate(
                features,
                value_prefix="customers.z_",
                mean_prefix="projection.pca_mean__",
                loading_prefix="projection.loading_" ~ component ~ "__",
            ) }} as pc{{ component }},
        {% endfor %}
        customers.*

    from customers
    cross join centroids
    cross join projection

),

scored as (

    select
        cast(
            {{ nearest_segment(segment_ids, "distance_to_segment_") }} as bigint
        ) as segment_id,
        {{ minimum_distance(segment_ids, "distance_to_segment_") }} as distance_to_centroid,
        distances.*

    from distances

),

final as (

    select * from scored

)

select * from final
