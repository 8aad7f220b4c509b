-- One row per row of the input file: its position in the file, the trimmed id, and for every
-- behavioural column its value as a double (NULL when empty or not a number) and its text as
-- in the file (`<column>_text`). The input is a CSV file (`customers_csv`, every column read
-- as text) or Parquet files (`customers_parquet`, typed columns).
-- Parsed once per build: on DuckDB this is a view that int_customer_row_issues reads in one
-- pass (typed values and checks); only the text of a value that fails a check is
-- trimmed and stored there. Writing the text of every value was most of the old staging
-- table's cost (docs/lean-build.md, "One read").
with

source as (

    select * from {{ source('cc_general', 'customers') }}

),

renamed as (

    select
        {% for column in cc_general_columns() -%}
            {{ safe_cast(column.source | lower, "double") }} as {{ column.name }},
        {% endfor %}
        {% for column in cc_general_columns() -%}
            cast({{ column.source | lower }} as string) as {{ column.name }}_text,
        {% endfor %}
        nullif(trim(cast(cust_id as string)), '') as customer_id,
        {{ source_row_number() }} as source_row_number

    from source

),

final as (

    select * from renamed

)

select * from final
