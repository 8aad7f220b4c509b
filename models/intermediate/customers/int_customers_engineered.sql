-- Every customer's imputed input columns plus the engineered features (preprocess_features,
-- step engineer: ratios with a safe zero rule, a zero or missing denominator gives 0, and the
-- purchase type).

with

customers as (

    select * from {{ ref('int_customers_imputed') }}

),

{{ preprocess_features("customers", steps=["engineer"]) }},

final as (

    select * from preprocess__engineered

)

select * from final
