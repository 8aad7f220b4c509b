-- The per-customer input of the segmentation, whatever its origin (var `input_format`): the CC
-- GENERAL file (17 aggregates) or the aggregates derived from a transaction ledger. One row per
-- customer, customer_id plus the numeric columns listed by base_feature_columns().
{%- set columns = base_feature_columns() %}

with

customers as (

    {% if var("input_format") == "ledger" -%}
        select * from {{ ref('int_ledger_customer_features') }}
    {%- else -%}
        select * from {{ ref('stg_cc_general__customers') }}
    {%- endif %}

),

final as (

    select
        {% for column in columns -%}
            {{ column }},
        {% endfor %}
        customer_id

    from customers

)

select * from final
