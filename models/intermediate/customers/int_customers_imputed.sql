-- Every customer with missing feature values filled from int_feature_imputation_values
-- (preprocess_features, step impute: the same SQL assign_segment scores new customers with).

with

customers as (

    select * from {{ ref('int_customers_base_features') }}

),

imputation_values as (

    select * from {{ ref('int_feature_imputation_values') }}

),

{{ preprocess_features("customers", imputation="imputation_values", steps=["impute"]) }},

final as (

    select * from preprocess__imputed

)

select * from final
