-- Every customer's imputed features and their standardized values z = (x - mean) / scale.
{%- set features = segmentation_features() %}

with

customers as (

    select * from {{ ref('int_customers_imputed') }}

),

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

parameters as (

    select
        {{ pivot_feature_values("feature_mean", features, prefix="mean__") }},
        {{ pivot_feature_values("feature_scale", features, prefix="scale__") }}
    from scaling_parameters

),

standardized as (

    select
        {% for feature in features -%}
            (customers.{{ feature }} - parameters.mean__{{ feature }})
            / parameters.scale__{{ feature }} as z_{{ feature }},
        {% endfor %}
        customers.*

    from customers
    cross join parameters

),

final as (

    select * from standardized

)

select * from final
