-- One row per row of the input file: trimmed id, every behavioural column cast to double.
-- A value that is not a number becomes NULL here; validation downstream tells it apart from a
-- value that was genuinely missing. The input is a CSV file (`customers_csv`, every column read
-- as text) or Parquet files (`customers_parquet`, typed columns, read directly); try_cast
-- handles both (text is trimmed, '' becomes NULL).
{%- if var("customers_csv", none) and var("customers_parquet", none) %}
    {{ exceptions.raise_compiler_error(
        "set only one of the vars 'customers_csv' and 'customers_parquet', got both: '"
        ~ var("customers_csv") ~ "' and '" ~ var("customers_parquet") ~ "'") }}
{%- endif %}

with

source as (

    select * from {{ source('cc_general', 'customers') }}

),

renamed as (

    select
        {% for column in cc_general_columns() -%}
            {{ safe_cast(column.source | lower, "double") }}
                as {{ column.name }},
        {% endfor %}
        nullif(trim(cast(cust_id as string)), '') as customer_id

    from source

)

select * from renamed
