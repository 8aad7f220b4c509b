-- Every customer's imputed input columns plus the engineered features: ratios with a safe zero
-- rule (a zero or missing denominator gives 0) and the purchase type.

with

customers as (

    select * from {{ ref('int_customers_imputed') }}

),

engineered as (

    select
        *,
        {{ engineered_feature_columns() }}

    from customers

)

select * from engineered
