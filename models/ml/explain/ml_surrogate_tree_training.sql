-- The surrogate tree's training rows: the fit sample's customers (int_customers_fit_sample, a
-- seeded sample of at most fit_sample_size customers; everybody when there are fewer) with
-- their segment and their raw input features after imputation (not standardized: the rules
-- read in the units of the input file).
{%- set columns = base_feature_columns() %}

with

fit_sample as (

    select * from {{ ref('int_customers_fit_sample') }}

),

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

final as (

    select
        {% for column in columns -%}
            scores.{{ column }},
        {% endfor %}
        scores.customer_id,
        scores.segment_id

    from scores
    inner join fit_sample
        on scores.customer_id = fit_sample.customer_id

)

select * from final
