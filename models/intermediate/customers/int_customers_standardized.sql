-- Every customer's imputed and engineered features, and the model features' scaled values
-- z_<feature> = (transform(value) - feature_center) / feature_scale (preprocess_features, step
-- standardize: the same SQL assign_segment scores new customers with).

with

customers as (

    select * from {{ ref('int_customers_engineered') }}

),

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

{{ preprocess_features("customers", scaling="scaling_parameters", steps=["standardize"]) }},

final as (

    select * from preprocess__standardized

)

select * from final
