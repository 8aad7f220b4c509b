-- Every customer's imputed input columns plus the engineered features: ratios with a safe zero
-- rule (a zero or missing denominator gives 0) and the purchase type.
{%- set columns = base_feature_columns() %}

with

customers as (

    select * from {{ ref('int_customers_imputed') }}

),

engineered as (

    select
        *,
        {% for ratio in engineered_feature_definitions() -%}
            case
                when {{ ratio.denominator }} = 0 or {{ ratio.denominator }} is null then 0.0
                else {{ ratio.numerator }} / {{ ratio.denominator }}
            end as {{ ratio.name }},
        {% endfor %}
        case
            when oneoff_purchases > 0 and installments_purchases > 0 then 'both'
            when oneoff_purchases > 0 then 'one_off'
            when installments_purchases > 0 then 'installment'
            else 'none'
        end as purchase_type

    from customers

)

select * from engineered
