-- One row per account: typed credit limit, balance and opening date.
with

source as (

    select * from {{ source('ledger', 'accounts') }}

),

renamed as (

    select
        nullif(trim(customer_id), '') as customer_id,
        {{ safe_cast("nullif(trim(credit_limit), '')", "double") }} as credit_limit,
        {{ safe_cast("nullif(trim(balance), '')", "double") }} as balance,
        {{ safe_cast("nullif(trim(opened_at), '')", "date") }} as opened_on

    from source

)

select * from renamed
