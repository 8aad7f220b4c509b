-- Every line of the transactions file with the first contract rule it breaks (NULL = valid):
-- an empty customer id, a timestamp that is not ISO (YYYY-MM-DD[ HH:MM:SS]), an amount that is
-- not a finite number, an unknown transaction type, a negative payment or cash advance. Lines
-- with a reason go to ledger_quarantine; the others are used (inside or outside the window).
-- Negative purchase amounts are reversals and refund lines are refunds: both are valid and
-- netted against purchase spend (signed_amount).

with

transactions as (

    select * from {{ ref('stg_ledger__transactions') }}

),

checked as (

    select
        *,
        case
            when customer_id is null then 'missing_customer_id'
            when transaction_at is null then 'bad_timestamp'
            when amount is null or {{ is_not_finite("amount") }} then 'bad_amount'
            when transaction_type is null then 'unknown_transaction_type'
            when transaction_type in ('cash_advance', 'payment') and amount < 0
                then 'negative_amount'
        end as reason_code

    from transactions

),

final as (

    select
        line_number,
        customer_id,
        order_id,
        transaction_at,
        amount,
        category,
        transaction_type,
        case
            when transaction_type = 'refund' then -abs(amount)
            when transaction_type in ('purchase_oneoff', 'purchase_installment') then amount
            else 0
        end as signed_amount,
        reason_code,
        case reason_code
            when 'missing_customer_id' then ''
            when 'bad_timestamp' then coalesce(transaction_ts_text, '')
            when 'unknown_transaction_type' then coalesce(transaction_type_text, '')
            when 'bad_amount' then coalesce(amount_text, '')
            when 'negative_amount' then coalesce(amount_text, '')
        end as reason_value

    from checked

)

select * from final
