{#- A 60-bit non-negative integer from the first 15 hex digits of an md5 hash (a hex string):
    summing these over rows gives an order-independent fingerprint without sorting the rows. -#}
{% macro hash_to_bigint(md5_expression) %}
    {{ return(adapter.dispatch("hash_to_bigint", "segmentation")(md5_expression)) }}
{% endmacro %}

{% macro default__hash_to_bigint(md5_expression) -%}
    cast(('0x' || substr({{ md5_expression }}, 1, 15)) as bigint)
{%- endmacro %}

{% macro spark__hash_to_bigint(md5_expression) -%}
    cast(conv(substr({{ md5_expression }}, 1, 15), 16, 10) as bigint)
{%- endmacro %}
