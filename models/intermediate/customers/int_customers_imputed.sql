-- Every customer with missing feature values filled from int_feature_imputation_values.
{%- set features = base_feature_columns() %}

with

customers as (

    select * from {{ ref('int_customers_base_features') }}

),

imputation_values as (

    select * from {{ ref('int_feature_imputation_values') }}

),

fill_values as (

    select {{ pivot_feature_values("imputation_value", features, prefix="fill__") }}
    from imputation_values

),

imputed as (

    select
        customers.customer_id,
        {% for feature in features -%}
            coalesce(customers.{{ feature }}, fill_values.fill__{{ feature }}) as {{ feature }},
        {% endfor %}
        {{ count_nulls(features, "customers") }} as n_imputed_values

    from customers
    cross join fill_values

),

final as (

    select * from imputed

)

select * from final
