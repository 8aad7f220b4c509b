-- The surrogate tree's training rows: the first diagnostics.sample_size customers
-- of the fit sample in its own order (fit_sample_order; everybody when there are fewer), with
-- their segment and their raw input features after imputation (not standardized: the rules
-- read in the units of the input file). The tree's sample is capped apart from the fit sample:
-- a larger fit sample brings the labels closer to a full-data fit, while the tree's cost grows
-- with its rows and its rules hardly change (docs/lean-build.md).
{%- set columns = base_feature_columns() %}

with

fit_sample as (

    select customer_id from {{ ref('int_customers_fit_sample') }}

),

tree_sample as (

    select customer_id
    from fit_sample
    order by {{ fit_sample_order("customer_id") }}
    limit {{ setting("diagnostics", "sample_size") | int }}

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
