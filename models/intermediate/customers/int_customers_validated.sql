-- The clean customers: input rows that passed every blocking check (see
-- int_customer_rows_checked), one row per customer id. Everything downstream (imputation,
-- scaling, the model) starts here. The post-hook stops the build with a clear message when
-- nothing (or too little) is left to segment.
{{ config(post_hook="{{ validation_guards(ref('int_customer_rows_checked')) }}") }}
{%- set features = cc_general_columns() | map(attribute="name") | list %}

with

checked_rows as (

    select * from {{ ref('int_customer_rows_checked') }}

),

clean as (

    select
        customer_id,
        source_row_number,
        {% for feature in features -%}
            {{ feature }},
        {% endfor %}
        n_issues as n_warnings

    from checked_rows
    where row_outcome = 'clean'

),

final as (

    select * from clean

)

select * from final
