-- Scores every customer in SQL with the fitted parameters: the nearest k-means centroid
-- (Euclidean distance in standardized space, ties to the lower segment id) and the PCA
-- coordinates pc1..pcN. Carries the customer's imputed and standardized features through.
{%- set features = segmentation_features() %}
{%- set n_components = var("pca_components") | int %}

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
        segment_id,
        {{ pivot_feature_values("centroid_value", features, prefix="centroid__") }}
    from centroid_values
    group by segment_id

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
        customers.customer_id,
        centroids.segment_id,
        sqrt({{ squared_distance(features, "customers.z_", "centroids.centroid__") }}) as distance

    from customers
    cross join centroids

),

ranked_distances as (

    select
        customer_id,
        segment_id,
        distance,
        row_number() over (
            partition by customer_id order by distance asc, segment_id asc
        ) as distance_rank

    from distances

),

nearest as (

    select
        customer_id,
        segment_id,
        distance as distance_to_centroid

    from ranked_distances
    where distance_rank = 1

),

scored as (

    select
        nearest.segment_id,
        nearest.distance_to_centroid,
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
    inner join nearest
        on customers.customer_id = nearest.customer_id
    cross join projection

),

final as (

    select * from scored

)

select * from final
