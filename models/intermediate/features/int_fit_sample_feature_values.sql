-- The values of the model's features for the customers the model is fitted on, before any
-- transform or scaling (imputed and engineered, as in int_customers_engineered): one row per
-- customer and feature. Drift is measured on these raw values, because standardized values
-- are re-centred by every refit and would hide a shift.
{%- set features = segmentation_features() %}

with

fit_sample as (

    select customer_id from {{ ref('int_customers_fit_sample') }}

),

customers as (

    select * from {{ ref('int_customers_engineered') }}

),

fit_customers as (

    select customers.*

    from customers
    inner join fit_sample
        on customers.customer_id = fit_sample.customer_id

),

feature_values as (

    {% for feature in features -%}
        select
            customer_id,
            '{{ feature }}' as feature_name,
            cast({{ feature }} as double) as feature_value
        from fit_customers
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select * from feature_values

)

select * from final
