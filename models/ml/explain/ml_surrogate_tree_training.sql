-- The surrogate tree's training rows: the diagnostics sample (int_customers_diagnostics_sample,
-- the first diagnostics.sample_size customers of the fit sample; everybody when fewer), with
-- their segment and their raw input features after imputation (not standardized: the rules
-- read in the units of the input file). The tree's sample is capped apart from the fit sample:
-- a larger fit sample brings the labels closer to a full-data fit, while the tree's cost grows
-- with its rows and its rules hardly change (docs/lean-build.md).
{%- set columns = base_feature_columns() %}

with

tree_sample as (

    select customer_id from {{ ref('int_customers_diagnostics_sample') }}

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
    inner join tree_sample
        on scores.customer_id = tree_sample.customer_id

)

select * from final
