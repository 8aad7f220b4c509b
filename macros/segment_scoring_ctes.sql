{#- The scoring half of the fitted model as CTEs, shared by `ml_customer_scores` and
    `assign_segment`: for the customers in CTE `customers_cte` (an id column plus `z_<feature>`
    standardized features, any other columns are carried through) emits the CTEs
    `scoring_centroids`, `scoring_projection`, `scoring_distances`, `scoring_ranked_distances`,
    `scoring_nearest` and
    `scoring_scored`; the last one is every customer with `segment_id` (nearest centroid, ties to
    the lower id), `distance_to_centroid`, `pc1`..`pcN` and the input columns.
    `centroids` / `pca_loadings` are the relations of the fitted parameters. Emits no leading
    `with` and no trailing comma: use it between other CTEs. -#}
{% macro segment_scoring_ctes(customers_cte, id_column, centroids, pca_loadings) %}
    {%- set features = segmentation_features() %}
    {%- set n_components = var("pca_components") | int %}
scoring_centroids as (

    select
        segment_id,
        {{ pivot_feature_values("centroid_value", features, prefix="centroid__") }}
    from {{ centroids }}
    group by segment_id

),

scoring_projection as (

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
    from {{ pca_loadings }}

),

scoring_distances as (

    select
        {{ customers_cte }}.{{ id_column }} as scoring_id,
        scoring_centroids.segment_id,
        sqrt({{ squared_distance(features, customers_cte ~ ".z_", "scoring_centroids.centroid__") }})
            as distance

    from {{ customers_cte }}
    cross join scoring_centroids

),

scoring_ranked_distances as (

    select
        scoring_id,
        segment_id,
        distance,
        row_number() over (
            partition by scoring_id order by distance asc, segment_id asc
        ) as distance_rank

    from scoring_distances

),

scoring_nearest as (

    select
        scoring_id,
        segment_id,
        distance as distance_to_centroid

    from scoring_ranked_distances
    where distance_rank = 1

),

scoring_scored as (

    select
        scoring_nearest.segment_id,
        scoring_nearest.distance_to_centroid,
        {% for component in range(1, n_components + 1) -%}
            {{ pca_coordinate(
                features,
                value_prefix=customers_cte ~ ".z_",
                mean_prefix="scoring_projection.pca_mean__",
                loading_prefix="scoring_projection.loading_" ~ component ~ "__",
            ) }} as pc{{ component }},
        {% endfor %}
        {{ customers_cte }}.*

    from {{ customers_cte }}
    inner join scoring_nearest
        on {{ customers_cte }}.{{ id_column }} = scoring_nearest.scoring_id
    cross join scoring_projection

)
{%- endmacro %}
