{#- The order of the seeded fit sample: customers with the smallest md5(customer_id || seed)
    first. int_customers_fit_sample keeps the first kmeans.fit_sample_size of them; a smaller
    sample taken in the same order (int_customers_diagnostics_sample) is the first part of the
    fit sample. -#}
{% macro fit_sample_order(customer_id) -%}
    md5(concat({{ customer_id }}, '-', '{{ setting("kmeans", "random_seed") | int }}')), {{ customer_id }}
{%- endmacro %}
