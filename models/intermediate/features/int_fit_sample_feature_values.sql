-- The values of the model's features for the customers the model is fitted on (the first
-- diagnostics.sample_size of the fit sample: int_customers_diagnostics_sample), before any
-- transform or scaling (imputed and engineered, as in int_customers_engineered): one row per
-- customer and feature. Drift is measured on these raw values, because standardized values
-- are re-centred by every refit and would hide a shift.
{%- set features = segmentation_features() %}

with

diagnostics_sample as (

    select customer_id from {{ ref('int_customers_diagnostics_sample') }}

),

customers as (

    select * from {{ ref('int_customers_engineered') }}

),

fit_customers as (

    select customers.*

    from customers
    inner join diagnostics_sample
        on customers.customer_id = diagnostics_sample.customer_id

),

model_features as (

    {{ feature_name_rows(features) }}

),

-- one read of the fit customers, crossed with the feature list (a union of one select per
-- feature reads a per-customer CTE once per feature, held in memory: docs/lean-build.md)
feature_values as (

    select
        fit_customers.customer_id,
        model_features.feature_name,
        case model_features.feature_name
            {% for feature in features -%}
                when '{{ feature }}' then cast(fit_customers.{{ feature }} as double)
            {% endfor -%}
        end as feature_value

    from fit_customers
    cross join model_features

),

final as (

    select * from feature_values

)

select * from final
