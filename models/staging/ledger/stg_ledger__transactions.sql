-- One row per line of the transactions file: its line number in the file (the header is line
-- 1), the raw text of every field (for the quarantine) and the typed values (NULL when the text
-- does not convert). The optional order_id column is NULL when the file has none.
{%- set has_order_id = ledger_has_order_id() %}

with

source as (

    select * from {{ source('ledger', 'transactions') }}

),

numbered as (

    select
        *,
        {{ source_row_number() }} + 1 as line_number

    from source

),

renamed as (

    select
        line_number,
        nullif(trim(customer_id), '') as customer_id,
        {% if has_order_id -%}
            nullif(trim(order_id), '') as order_id,
        {%- else -%}
            cast(null as string) as order_id,
        {%- endif %}
        transaction_ts as transaction_ts_text,
        amount as amount_text,
        transaction_type as transaction_type_text,
        {{ safe_cast("nullif(trim(transaction_ts), '')", "timestamp") }} as transaction_at,
        {{ safe_cast("nullif(trim(amount), '')", "double") }} as amount,
        lower(nullif(trim(category), '')) as category,
        {{ ledger_canonical_type("lower(trim(transaction_type))") }} as transaction_type

    from numbered

)

select * from renamed
