-- Ledger transactions inside the 12-month activity window [ledger_as_of - 1 year, ledger_as_of),
-- with their activity month and a purchase flag.
{%- set window = ledger_window() %}

with

transactions as (

    select * from {{ ref('stg_ledger__transactions') }}

),

windowed as (

    select
        customer_id,
        transaction_at,
        amount,
        category,
        transaction_type,
        date_trunc('month', transaction_at) as activity_month,
        transaction_type in ('purchase_oneoff', 'purchase_installment') as is_purchase

    from transactions
    where
        transaction_at >= cast('{{ window.start }}' as timestamp)
        and transaction_at < cast('{{ window.as_of }}' as timestamp)

)

select * from windowed
