-- Row counts reconcile: every clean input customer (int_customers_base_features: the validated
-- rows of a CC GENERAL file, or the ledger's customers) is a customer in customer_segments.
-- Returns one row (a failure) when the counts differ.
with

clean_rows as (

    select count(*) as n_clean_rows from {{ ref('int_customers_base_features') }}

),

segmented_rows as (

    select count(*) as n_segmented_customers from {{ ref('customer_segments') }}

),

compared as (

    select
        clean_rows.n_clean_rows,
        segmented_rows.n_segmented_customers

    from clean_rows
    cross join segmented_rows

)

select * from compared
where n_clean_rows <> n_segmented_customers
