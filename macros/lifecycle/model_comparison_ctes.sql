{#- model_comparison's per-model CTEs (ml_model_comparison_scores): for registered model
    `model_run_id`, read from the CTEs imputation_values, scaling_parameters and centroids (the
    parameter stores) and the input CTE `customers`, emits `<side>_imputation`,
    `<side>_scaling`, `<side>_scalers` (pivoted center__/scale__), `<side>_centroids` (pivoted
    centroid_<id>__<feature>), `<side>_standardized` (preprocess_features with the model's
    parameters), `<side>_distances` and `<side>_assigned` (customer_id, z_<feature>, segment_id:
    the nearest centroid, ties to the lower id, exactly as ml_customer_scores assigns). No
    leading `with`, no trailing comma. -#}
{% macro comparison_model_ctes(side, model_run_id, segment_ids) %}
    {%- set features = segmentation_features() %}
{{ side }}_imputation as (

    select * from imputation_values
    where model_run_id = '{{ model_run_id }}'

),

{{ side }}_scaling as (

    select * from scaling_parameters
    where model_run_id = '{{ model_run_id }}'

),

{{ side }}_scalers as (

    select
        {{ pivot_feature_values("feature_center", features, prefix="center__") }},
        {{ pivot_feature_values("feature_scale", features, prefix="scale__") }}

    from {{ side }}_scaling

),

{{ side }}_centroids as (

    select
        {{ pivot_centroids(segment_ids, features) }}

    from centroids
    where model_run_id = '{{ model_run_id }}'

),

{{ side }}_standardized as (

    with
    {{ preprocess_features(
        "customers", imputation=side ~ "_imputation", scaling=side ~ "_scaling"
    ) }}

    select * from preprocess__standardized

),

{{ side }}_distances as (

    select
        {{ side }}_standardized.customer_id,
        {% for feature in features -%}
            {{ side }}_standardized.z_{{ feature }},
        {% endfor %}
        {% for segment_id in segment_ids -%}
            sqrt({{ squared_distance(
                features,
                side ~ "_standardized.z_",
                side ~ "_centroids.centroid_" ~ segment_id ~ "__",
            ) }}) as distance_to_segment_{{ segment_id }}{{ "," if not loop.last }}
        {% endfor %}

    from {{ side }}_standardized
    cross join {{ side }}_centroids

),

{{ side }}_assigned as (

    select
        customer_id,
        {% for feature in features -%}
            z_{{ feature }},
        {% endfor %}
        cast(
            {{ nearest_segment(segment_ids, "distance_to_segment_") }} as bigint
        ) as segment_id

    from {{ side }}_distances

)
{%- endmacro %}

{#- model_comparison's silhouette of one model (`side`: champion or challenger) from the CTE
    pair_distances (sample_index, <side>_segment_id, other_<side>_segment_id, distance): emits
    `<side>_mean_distances`, `<side>_per_customer` (a = mean distance to the other sampled
    members of the customer's segment, b = the smallest mean distance to another segment) and
    `<side>_silhouette` (one row: the mean of (b - a) / max(a, b); 0 for a customer alone in its
    segment or a = b = 0; NULL with one segment), as scikit-learn's silhouette_score. No leading
    `with`, no trailing comma. -#}
{% macro comparison_silhouette_ctes(side) %}
{{ side }}_mean_distances as (

    select
        sample_index,
        {{ side }}_segment_id as segment_id,
        other_{{ side }}_segment_id as other_segment_id,
        {{ exact_avg("distance") }} as mean_distance

    from pair_distances
    group by sample_index, {{ side }}_segment_id, other_{{ side }}_segment_id

),

{{ side }}_per_customer as (

    select
        sample_index,
        max(
            case when other_segment_id = segment_id then mean_distance end
        ) as mean_intra_distance,
        min(
            case when other_segment_id <> segment_id then mean_distance end
        ) as mean_nearest_other_distance

    from {{ side }}_mean_distances
    group by sample_index

),

{{ side }}_silhouette as (

    select
        {{ exact_avg(
            "case
                when mean_nearest_other_distance is null then null
                when mean_intra_distance is null then 0.0
                when greatest(mean_intra_distance, mean_nearest_other_distance) = 0 then 0.0
                else (mean_nearest_other_distance - mean_intra_distance)
                    / greatest(mean_intra_distance, mean_nearest_other_distance)
            end"
        ) }} as silhouette

    from {{ side }}_per_customer

)
{%- endmacro %}

{#- The champion's centroids in the challenger's standardized space, as select columns
    centroid_<id>__<feature> = (champion center + champion scale * centroid - challenger
    center) / challenger scale, from the one-row CTEs champion_scalers, champion_centroids and
    challenger_scalers (comparison_model_ctes). -#}
{% macro mapped_centroid_columns(segment_ids) %}
    {%- set features = segmentation_features() %}
    {%- for segment_id in segment_ids %}
        {%- set segment_loop = loop %}
        {%- for feature in features %}
    (
        champion_scalers.center__{{ feature }}
        + champion_scalers.scale__{{ feature }}
        * champion_centroids.centroid_{{ segment_id }}__{{ feature }}
        - challenger_scalers.center__{{ feature }}
    )
    / challenger_scalers.scale__{{ feature }}
    as centroid_{{ segment_id }}__{{ feature }}{{ "," if not (segment_loop.last and loop.last) }}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}
