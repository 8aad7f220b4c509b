-- The valid ledger lines inside the 12-month activity window [window_start_date, as_of_date)
-- (int_ledger_window), with their activity month, purchase occasion and flags.
-- A purchase occasion is the line's order_id when the file has one, else its calendar day.

with

transactions as (

    select * from {{ ref('int_ledger_transactions_checked') }}

),

ledger_window as (

    select * from {{ ref('int_ledger_window') }}

),

windowed as (

    select
        transactions.line_number,
        transactions.customer_id,
        transactions.transaction_at,
        transactions.amount,
        transactions.signed_amount,
        transactions.category,
        transactions.transaction_type,
        date_trunc('month', transactions.transaction_at) as activity_month,
        case
            when transactions.order_id is not null then concat('order:', transactions.order_id)
            else concat('day:', cast(cast(transactions.transaction_at as date) as string))
        end as occasion_id,
        transactions.transaction_type in ('purchase_oneoff', 'purchase_installment')
        and transactions.amount > 0 as is_purchase,
        transactions.transaction_type = 'refund'
        or (
            transactions.transaction_type in ('purchase_oneoff', 'purchase_installment')
            and transactions.amount < 0
        ) as is_refund

    from transactions
    cross join ledger_window
    where
        transactions.reason_code is null
        and transactions.transaction_at >= cast(ledger_window.window_start_date as timestamp)
        and transactions.transaction_at < cast(ledger_window.as_of_date as timestamp)

)

select * from windowed
