-- Customer ids on more than one input row (duplicates are rare), with the row kept for each:
-- the first row in file order that passes every blocking check (NULL when none does). One
-- grouped scan of three columns of int_customer_row_issues; the wide rows are never read again.

with

row_issues as (

    select
        customer_id,
        source_row_number,
        n_blocking_issues

    from {{ ref('int_customer_row_issues') }}
    where customer_id is not null

),

repeated as (

    select
        customer_id,
        min(
            case when n_blocking_issues = 0 then source_row_number end
        ) as kept_source_row_number,
        count(*) as n_rows

    from row_issues
    group by customer_id
    having count(*) > 1

),

final as (

    select * from repeated

)

select * from final
