{#- The select list that pivots a long centroid table (segment_id, feature_name,
    centroid_value) into one row: `centroid_<id>__<feature>` for every segment in
    `segment_ids` and every feature, then `n_centroid_values` (count(*)). Used by
    segment_scoring_ctes and the model comparison, so both read centroids the same way. -#}
{% macro pivot_centroids(segment_ids, features) %}
        {% for segment_id in segment_ids -%}
            {{ pivot_feature_values(
                "centroid_value",
                features,
                prefix="centroid_" ~ segment_id ~ "__",
                condition="segment_id = " ~ segment_id,
            ) }},
        {% endfor %}
        count(*) as n_centroid_values
{%- endmacro %}
