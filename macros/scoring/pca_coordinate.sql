{#- A customer's coordinate on one principal component:
    sum over features of (<value_prefix>f - <mean_prefix>f) * <loading_prefix>f. -#}
{% macro pca_coordinate(features, value_prefix, mean_prefix, loading_prefix) %}
    {%- for feature in features -%}
        ({{ value_prefix }}{{ feature }} - {{ mean_prefix }}{{ feature }})
        * {{ loading_prefix }}{{ feature }}
        {%- if not loop.last %} + {% endif -%}
    {%- endfor -%}
{% endmacro %}
