-- Every input row with its outcome: 'clean' (continues to imputation) or 'quarantined' (a
-- blocking finding, or a later row of a customer id whose first valid row is kept). The row
-- checks come from int_customer_row_issues, the kept row of a repeated id from
-- int_repeated_customer_ids (a small table). A view on every engine: the outcome is a join with
-- that small table, cheaper to recompute than to store every row again.
with

row_issues as (

    select * from {{ ref('int_customer_row_issues') }}

),

repeated_customer_ids as (

    select
        customer_id,
        kept_source_row_number

    from {{ ref('int_repeated_customer_ids') }}

),

kept as (

    select
        case
            when repeated_customer_ids.customer_id is not null
                then repeated_customer_ids.kept_source_row_number
            when row_issues.n_blocking_issues = 0 then row_issues.source_row_number
        end as kept_source_row_number,
        row_issues.*

    from row_issues
    left join repeated_customer_ids
        on row_issues.customer_id = repeated_customer_ids.customer_id

),

final as (

    select
        coalesce(
            n_blocking_issues = 0 and source_row_number <> kept_source_row_number, false
        ) as is_duplicate,
        case
            when n_blocking_issues > 0 or source_row_number <> kept_source_row_number
                then 'quarantined'
            else 'clean'
        end as row_outcome,
        *

    from kept

)

select * from final
