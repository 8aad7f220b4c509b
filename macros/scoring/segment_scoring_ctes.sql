{#- The scoring half of the fitted model as CTEs, shared by `ml_customer_scores` and
    `assign_segment`, so a customer scored either way gets exactly the same segment. For the
    customers in CTE `customers_cte` (an id column plus `z_<feature>` scaled model features; any
    other columns are carried through) it emits the CTEs `scoring_centroids`,
    `scoring_projection`, `scoring_distances`, `scoring_nearest`, `scoring_second` and
    `scoring_scored`; the last one is every customer with `segment_id` (nearest centroid, ties
    to the lower id), `distance_to_centroid`, one `distance_to_segment_<id>` column per segment,
    `pc1`..`pcN`, the input columns, and the assignment confidence: `second_segment_id` (the
    next-nearest centroid, ties to the lower id), `second_distance` and `margin` (second
    distance minus distance_to_centroid, >= 0; all three NULL with one segment).

    One pass, no join and no window: the centroids are pivoted into a single row (one column per
    segment and feature), every customer gets one distance column per segment, and a `case`
    picks the first segment with the minimal distance. The segment ids are read from the
    `centroids` relation when the SQL is rendered at run time (fitted_segment_ids), so any fitted
    k and any (stable) ids work. Emits no leading `with` and no trailing comma. -#}
{% macro segment_scoring_ctes(customers_cte, id_column, centroids, pca_loadings) %}
    {%- set features = segmentation_features() %}
    {%- set n_components = setting("diagnostics", "pca_components") | int %}
    {%- set segment_ids = fitted_segment_ids(centroids) %}
scoring_centroids as (

    select
        {{ pivot_centroids(segment_ids, features) }}
    from {{ centroids }}

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
        {% for segment_id in segment_ids -%}
            sqrt({{ squared_distance(
                features,
                customers_cte ~ ".z_",
                "scoring_centroids.centroid_" ~ segment_id ~ "__",
            ) }}) as distance_to_segment_{{ segment_id }},
        {% endfor %}
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
    cross join scoring_centroids
    cross join scoring_projection

),

scoring_nearest as (

    select
        cast(
            {{ nearest_segment(segment_ids, "distance_to_segment_") }} as bigint
        ) as segment_id,
        {{ minimum_distance(segment_ids, "distance_to_segment_") }} as distance_to_centroid,
        scoring_distances.*

    from scoring_distances

),

scoring_second as (

    select
        scoring_nearest.*,
        cast(
            {{ second_nearest_segment(segment_ids, "distance_to_segment_", "segment_id") }}
            as bigint
        ) as second_segment_id,
        {{ second_minimum_distance(segment_ids, "distance_to_segment_", "segment_id") }}
        as second_distance

    from scoring_nearest

),

scoring_scored as (

    select
        *,
        second_distance - distance_to_centroid as margin

    from scoring_second

)
{%- endmacro %}
