-- Row counts reconcile: every input customer is a customer in customer_segments.
-- Returns one row (a failure) when the counts differ.
with

input_rows as (

    select count(*) as n_input_rows from {{ ref('int_customers_base_features') }}

),

segmented_rows as (

    select count(*) as n_segmented_customers from {{ ref('customer_segments') }}

),

compared as (

    select
        input_rows.n_input_rows,
        segmented_rows.n_segmented_customers

    from input_rows
    cross join segmented_rows

)

select * from compared
where n_input_rows <> n_segmented_customers
