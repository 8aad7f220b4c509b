{#- A model feature's scaled value, as k-means sees it:
    (transform(value) - <parameters_prefix>center__<feature>) / <parameters_prefix>scale__<feature>,
    with the transform's bounds at <parameters_prefix>lower__/upper__<feature> (see
    transformed_feature). The parameters come from int_feature_scaling_parameters, pivoted. -#}
{% macro scaled_feature(feature, value_prefix="", parameters_prefix="") %}
    ({{ transformed_feature(feature, value_prefix, parameters_prefix) }}
    - {{ parameters_prefix }}center__{{ feature }})
    / {{ parameters_prefix }}scale__{{ feature }}
{%- endmacro %}
