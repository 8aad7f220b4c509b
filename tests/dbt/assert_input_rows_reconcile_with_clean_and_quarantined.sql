-- Nothing is lost: every input row is either clean (int_customers_validated) or quarantined
-- (quarantine, row_action = 'quarantined'), never both and never neither. Returns one row (a
-- failure) when input rows <> clean + quarantined or a row is in both sets. The input rows are
-- those of int_customer_rows_checked (one row per file row): on DuckDB staging is a view, and
-- counting it would parse the input file a second time.
{{ config(enabled=setting('input_format') == 'cc_general') }}
with

input_rows as (

    select source_row_number from {{ ref('int_customer_rows_checked') }}

),

clean_rows as (

    select source_row_number from {{ ref('int_customers_validated') }}

),

quarantined_rows as (

    select distinct source_row_number
    from {{ ref('quarantine') }}
    where row_action = 'quarantined'

),

counts as (

    select
        (select count(*) from input_rows) as n_input_rows,
        (select count(*) from clean_rows) as n_clean_rows,
        (select count(*) from quarantined_rows) as n_quarantined_rows,
        (
            select count(*)
            from clean_rows
            inner join quarantined_rows
                on clean_rows.source_row_number = quarantined_rows.source_row_number
        ) as n_rows_in_both

),

final as (

    select * from counts
    where
        n_input_rows <> n_clean_rows + n_quarantined_rows
        or n_rows_in_both > 0

)

select * from final
