-- The customers the model is fitted on: a seeded uniform sample of at most `kmeans.fit_sample_size`
-- customers (everybody when there are fewer), standardized features only, under the feature
-- names. The sample is the customers with the smallest sample_key (md5(customer_id || seed)),
-- ties by id: deterministic, independent of row order, and the same on every engine.
{%- set features = segmentation_features() %}
{%- set sample_size = setting("kmeans", "fit_sample_size") | int %}
{%- if sample_size < 1 and execute %}
    {{ exceptions.raise_compiler_error(
        "var 'kmeans.fit_sample_size' must be an integer >= 1, got '" ~ setting("kmeans", "fit_sample_size") ~ "'") }}
{%- endif %}

with

customers as (

    select * from {{ ref('int_customers_standardized') }}

),

sampled as (

    select
        {% for feature in features -%}
            z_{{ feature }} as {{ feature }},
        {% endfor %}
        customer_id

    from customers
    order by {{ sample_key("customer_id") }}, customer_id
    limit {{ sample_size }}

),

final as (

    select * from sampled

)

select * from final
