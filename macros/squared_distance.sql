{#- Squared Euclidean distance between two points given as column prefixes:
    (<left>f1 - <right>f1)^2 + (<left>f2 - <right>f2)^2 + ... over `features`.
    Example: squared_distance(features, "customers.z_", "centroids.centroid__"). -#}
{% macro squared_distance(features, left_prefix, right_prefix) %}
    {%- for feature in features -%}
        power({{ left_prefix }}{{ feature }} - {{ right_prefix }}{{ feature }}, 2)
        {%- if not loop.last %} + {% endif -%}
    {%- endfor -%}
{% endmacro %}
