{#- The rows of a data test on a grain: each `key` (a list of columns) of `model` that occurs
    more than once (or, with `with_nulls`, has a NULL column), with n_rows. The keys are
    grouped by a 64-bit hash first, and only keys whose hash repeats are grouped exactly: a
    group by over long string keys (a run id and a customer id) ran out of DuckDB's 1 GB at
    100M rows, while a hash groups in a fraction of that. A hash collision adds a few rows to
    the exact step, never a wrong answer. -#}
{% macro repeated_keys(model, key, with_nulls=false) %}
with

repeated_hashes as (

{{ repeated_key_hashes(model, key) }}

)

{{ repeated_key_rows(model, key, "repeated_hashes", with_nulls) }}
{% endmacro %}

{#- The first step of repeated_keys: the hashes of `key` that occur more than once. -#}
{% macro repeated_key_hashes(model, key) %}
    select {{ key_hash(key) }} as key_hash
    from {{ model }}
    group by {{ key_hash(key) }}
    having count(*) > 1
{%- endmacro %}

{#- The second step: the keys among the rows whose hash is in the relation `hashes` (the first
    step's) that occur more than once, or with `with_nulls` have a NULL column, with n_rows. -#}
{% macro repeated_key_rows(model, key, hashes, with_nulls=false) %}
{%- set or_null_key -%}
    {%- if with_nulls %}{% for column in key %} or {{ column }} is null{% endfor %}{% endif -%}
{%- endset -%}
select
    {{ key | join(", ") }},
    count(*) as n_rows
from {{ model }}
where {{ key_hash(key) }} in (select key_hash from {{ hashes }}){{ or_null_key }}
group by {{ key | join(", ") }}
having count(*) > 1{{ or_null_key }}
{% endmacro %}
