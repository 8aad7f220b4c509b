{#- A model feature's value after its transform (see feature_transform()):
    none -> x; log1p -> ln(1 + x) (x is never negative after validation); winsorize -> x clipped to
    [<bounds_prefix>lower__<feature>, <bounds_prefix>upper__<feature>]. -#}
{% macro transformed_feature(feature, value_prefix="", bounds_prefix="") %}
    {%- set transform = feature_transform(feature) -%}
    {%- set value = value_prefix ~ feature -%}
    {%- if transform == "log1p" -%}
        ln(1 + {{ value }})
    {%- elif transform == "winsorize" -%}
        least(
            greatest({{ value }}, {{ bounds_prefix }}lower__{{ feature }}),
            {{ bounds_prefix }}upper__{{ feature }}
        )
    {%- else -%}
        {{ value }}
    {%- endif -%}
{% endmacro %}
