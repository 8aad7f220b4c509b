{#- A feature's value after its transform (see feature_transforms()):
    none -> x; log1p -> ln(1 + x) (x is never negative after validation); winsorize -> x clipped to
    [<bounds_prefix>lower__<feature>, <bounds_prefix>upper__<feature>]. -#}
{% macro transformed_feature(feature, transform, value_prefix="", bounds_prefix="") %}
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
