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

-- one pass over the lines, per customer (a per-line or per-customer CTE read more than once
-- would be held in memory; docs/lean-build.md)
customer_lines as (

    select
        customer_id,
        count(*) as lines_read,
        sum(case when line_status = 'used' then 1 else 0 end) as lines_used,
        sum(case when line_status = 'quarantined' then 1 else 0 end) as lines_quarantined,
        sum(case when line_status = 'before_window' then 1 else 0 end) as lines_before_window,
        sum(case when line_status = 'after_as_of' then 1 else 0 end) as lines_after_as_of

    from classified
    group by customer_id

),

-- every customer of the file or of the segmented customers, once
customer_status as (

    select
        customer_lines.customer_id as line_customer_id,
        customers.customer_id as segmented_customer_id,
        customers.is_active_in_window,
        coalesce(customer_lines.lines_read, 0) as lines_read,
        coalesce(customer_lines.lines_used, 0) as lines_used,
        coalesce(customer_lines.lines_quarantined, 0) as lines_quarantined,
        coalesce(customer_lines.lines_before_window, 0) as lines_before_window,
        coalesce(customer_lines.lines_after_as_of, 0) as lines_after_as_of

    from customer_lines
    full outer join customers
        on customer_lines.customer_id = customers.customer_id

),

counts as (

    select
        sum(lines_read) as lines_read,
        sum(lines_used) as lines_used,
        sum(lines_quarantined) as lines_quarantined,
        sum(lines_before_window) as lines_before_window,
        sum(lines_after_as_of) as lines_after_as_of,
        count(case when lines_read > lines_quarantined then line_customer_id end)
            as customers_in_file,
        count(case when lines_used > 0 then line_customer_id end) as customers_active_in_window,
        count(
            case
                when segmented_customer_id is null and lines_after_as_of > 0
                    then line_customer_id
            end
        ) as customers_only_after_as_of,
        count(segmented_customer_id) as customers_segmented,
        sum(
            case
                when segmented_customer_id is not null and not is_active_in_window then 1
                else 0
            end
        ) as customers_inactive

    from customer_status

),

final as (

    select
        ledger_window.as_of_date,
        ledger_window.window_start_date,
        ledger_window.as_of_rule,
        cast(coalesce(counts.lines_read, 0) as bigint) as lines_read,
        cast(counts.lines_used as bigint) as lines_used,
        cast(counts.lines_quarantined as bigint) as lines_quarantined,
        cast(counts.lines_before_window as bigint) as lines_before_window,
        cast(counts.lines_after_as_of as bigint) as lines_after_as_of,
        cast(counts.customers_in_file as bigint) as customers_in_file,
        cast(counts.customers_active_in_window as bigint) as customers_active_in_window,
        cast(counts.customers_inactive as bigint) as customers_inactive,
        cast(counts.customers_only_after_as_of as bigint) as customers_only_after_as_of,
        cast(counts.customers_segmented as bigint) as customers_segmented

    from ledger_window
    cross join counts

)

select * from final
