{#- A grain in one test node and one scan: every key (`column_name` on a column, or the
    combination of `columns` on a model) occurs once and none of its columns is NULL. It
    replaces a `unique` plus a `not_null` test (two nodes, two scans) per key (issue 18: every
    test node costs dbt ~0.05-0.1 s whatever it checks). Fails with one row per NULL or repeated
    key: the key and `n_rows`. -#}
{% test primary_key(model, column_name=none, columns=none) %}
{%- set key = [column_name] if column_name else (columns or []) -%}
{%- if not key -%}
    {{ exceptions.raise_compiler_error("primary_key on " ~ model
        ~ ": put it on a column or give `columns`") }}
{%- endif %}

{{ repeated_keys(model, key, with_nulls=true) }}

{% endtest %}
