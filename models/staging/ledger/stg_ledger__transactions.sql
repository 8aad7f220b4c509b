-- One row per ledger transaction: trimmed text, typed amount and timestamp, lower-case category
-- and type.
with

source as (

    select * from {{ source('ledger', 'transactions') }}

),

renamed as (

    select
        nullif(trim(customer_id), '') as customer_id,
        {{ safe_cast("nullif(trim(transaction_ts), '')", "timestamp") }} as transaction_at,
        {{ safe_cast("nullif(trim(amount), '')", "double") }} as amount,
        lower(nullif(trim(category), '')) as category,
        lower(nullif(trim(transaction_type), '')) as transaction_type

    from source

)

select * from renamed
