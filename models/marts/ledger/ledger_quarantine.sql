-- Ledger input only: every line of the transactions file that breaks the contract, with its
-- line number in the file (header = line 1), the reason code, the offending column and value,
-- and what the contract expects. These lines are not used; ledger_reconciliation counts them.

with

lines as (

    select * from {{ ref('int_ledger_transactions_checked') }}

),

final as (

    select
        line_number,
        customer_id,
        reason_code,
        case reason_code
            when 'missing_customer_id' then 'customer_id'
            when 'bad_timestamp' then 'transaction_ts'
            when 'unknown_transaction_type' then 'transaction_type'
            else 'amount'
        end as column_name,
        reason_value as raw_value,
        case reason_code
            when 'missing_customer_id' then 'a non-empty customer id'
            when 'bad_timestamp'
                then 'an ISO timestamp YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (03/01/1997 -> 1997-03-01)'
            when 'bad_amount' then 'a finite number with a dot as decimal separator'
            when 'unknown_transaction_type'
                then '{{ ledger_transaction_types().keys() | list | join(", ") }}'
            when 'negative_amount'
                then 'a payment or cash advance >= 0 (refunds are transaction_type refund)'
        end as expected

    from lines
    where reason_code is not null

)

select * from final
