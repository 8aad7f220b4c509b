-- Every customer's imputed and engineered features, and the model features' scaled values
-- z_<feature> = (transform(value) - feature_center) / feature_scale.
{%- set features = segmentation_features() %}

with

customers as (

    select * from {{ ref('int_customers_engineered') }}

),

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

parameters as (

    select
        {{ pivot_feature_values("feature_center", features, prefix="center__") }},
        {{ pivot_feature_values("feature_scale", features, prefix="scale__") }},
        {{ pivot_feature_values("lower_bound", features, prefix="lower__") }},
        {{ pivot_feature_values("upper_bound", features, prefix="upper__") }}
    from scaling_parameters

),

standardized as (

    select
        {% for feature in features -%}
            {{ scaled_feature(feature, "customers.", "parameters.") }} as z_{{ feature }},
        {% endfor %}
        customers.*

    from customers
    cross join parameters

),

final as (

    select * from standardized

)

select * from final
