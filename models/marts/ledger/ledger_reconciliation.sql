-- Ledger input only, one row: where every line of the transactions file and every customer
-- went. lines_read = lines_used + lines_quarantined + lines_before_window + lines_after_as_of;
-- customers are segmented when they have an account or a valid line before as_of (those
-- without one in the window are kept as inactive).

with

lines as (

    select * from {{ ref('int_ledger_transactions_checked') }}

),

ledger_window as (

    select * from {{ ref('int_ledger_window') }}

),

customers as (

    select * from {{ ref('int_ledger_customer_features') }}

),

classified as (

    select
        lines.customer_id,
        lines.reason_code,
        case
            when lines.reason_code is not null then 'quarantined'
            when lines.transaction_at >= cast(ledger_window.as_of_date as timestamp)
                then 'after_as_of'
            when lines.transaction_at < cast(ledger_window.window_start_date as timestamp)
                then 'before_window'
            else 'used'
        end as line_status

    from lines
    cross join ledger_window

),

line_counts as (

    select
        count(*) as lines_read,
        sum(case when line_status = 'used' then 1 else 0 end) as lines_used,
        sum(case when line_status = 'quarantined' then 1 else 0 end) as lines_quarantined,
        sum(case when line_status = 'before_window' then 1 else 0 end) as lines_before_window,
        sum(case when line_status = 'after_as_of' then 1 else 0 end) as lines_after_as_of,
        count(distinct case when line_status <> 'quarantined' then customer_id end)
            as customers_in_file,
        count(distinct case when line_status = 'used' then customer_id end)
            as customers_active_in_window

    from classified

),

customers_not_segmented as (

    select count(distinct classified.customer_id) as customers_only_after_as_of
    from classified
    left join customers
        on classified.customer_id = customers.customer_id
    where classified.line_status = 'after_as_of' and customers.customer_id is null

),

customer_counts as (

    select
        count(*) as customers_segmented,
        sum(case when is_active_in_window then 0 else 1 end) as customers_inactive

    from customers

),

final as (

    select
        ledger_window.as_of_date,
        ledger_window.window_start_date,
        ledger_window.as_of_rule,
        cast(line_counts.lines_read as bigint) as lines_read,
        cast(line_counts.lines_used as bigint) as lines_used,
        cast(line_counts.lines_quarantined as bigint) as lines_quarantined,
        cast(line_counts.lines_before_window as bigint) as lines_before_window,
        cast(line_counts.lines_after_as_of as bigint) as lines_after_as_of,
        cast(line_counts.customers_in_file as bigint) as customers_in_file,
        cast(line_counts.customers_active_in_window as bigint) as customers_active_in_window,
        cast(customer_counts.customers_inactive as bigint) as customers_inactive,
        cast(customers_not_segmented.customers_only_after_as_of as bigint)
            as customers_only_after_as_of,
        cast(customer_counts.customers_segmented as bigint) as customers_segmented

    from ledger_window
    cross join line_counts
    cross join customers_not_segmented
    cross join customer_counts

)

select * from final
