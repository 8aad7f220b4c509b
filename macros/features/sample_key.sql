{#- The key of every seeded sample of customers: md5(customer_id || '-' || kmeans.random_seed).
    A sample is the customers with the smallest keys (ties by id): the fit sample
    (int_customers_fit_sample), its first part the diagnostics read
    (int_customers_diagnostics_sample) and the silhouette samples. Deterministic, independent
    of row order, the same on every engine. -#}
{% macro sample_key(customer_id) -%}
    md5(concat({{ customer_id }}, '-', '{{ setting("kmeans", "random_seed") | int }}'))
{%- endmacro %}
