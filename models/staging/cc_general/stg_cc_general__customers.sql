-- One row per row of the input file: its position in the file, the trimmed id, and for every
-- behavioural column the trimmed text (`<column>_text`, NULL when empty) and its value cast to
-- double (NULL when empty or not a number). Keeping the text lets validation tell a value that
-- is not a number from one that is missing. The input is a CSV file (`customers_csv`, every
-- column read as text) or Parquet files (`customers_parquet`, typed columns): every value is
-- cast to text first, so both go through the same checks.
with

source as (

    select * from {{ source('cc_general', 'customers') }}

),

trimmed as (

    select
        {% for column in cc_general_columns() -%}
            nullif(trim(cast({{ column.source | lower }} as string)), '')
                as {{ column.name }}_text,
        {% endfor %}
        nullif(trim(cast(cust_id as string)), '') as customer_id,
        {{ source_row_number() }} as source_row_number

    from source

),

renamed as (

    select
        {% for column in cc_general_columns() -%}
            {{ safe_cast(column.name ~ "_text", "double") }} as {{ column.name }},
        {% endfor %}
        trimmed.*

    from trimmed

),

final as (

    select * from renamed

)

select * from final
