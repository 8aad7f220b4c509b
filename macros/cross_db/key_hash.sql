{#- A 64-bit hash of one or more columns, for grouping wide keys cheaply (equal keys, equal
    hashes; different keys collide rarely) and for the order-independent input fingerprint. -#}
{% macro key_hash(columns) %}
    {{ return(adapter.dispatch("key_hash", "segmentation")(columns)) }}
{% endmacro %}

{% macro default__key_hash(columns) -%}
    {{ hash_to_bigint("md5(concat_ws('|', " ~ columns | join(", ") ~ "))") }}
{%- endmacro %}

{% macro duckdb__key_hash(columns) -%}
    hash({{ columns | join(", ") }})
{%- endmacro %}

{% macro spark__key_hash(columns) -%}
    xxhash64({{ columns | join(", ") }})
{%- endmacro %}
