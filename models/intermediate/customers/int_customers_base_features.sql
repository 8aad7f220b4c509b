-- The per-customer input of the segmentation, whatever its origin (var `input_format`): the CC
-- GENERAL file (17 aggregates; its rows that passed validation, see int_customers_validated) or
-- the aggregates derived from a transaction ledger. One row per customer, customer_id plus the
-- numeric columns listed by base_feature_columns().
{%- set columns = base_feature_columns() %}

with

customers as (

    {% if var("input_format") == "ledger" -%}
        select * from {{ ref('int_ledger_customer_features') }}
    {%- else -%}
        select * from {{ ref('int_customers_validated') }}
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
