-- One row per row of the input file: trimmed id, every behavioural column cast to double.
-- A value that is not a number becomes NULL here; validation downstream tells it apart from a
-- value that was genuinely missing.
with

source as (

    select * from {{ source('cc_general', 'customers') }}

),

renamed as (

    select
        {% for column in cc_general_columns() -%}
            {{ safe_cast("nullif(trim(" ~ column.source | lower ~ "), '')", "double") }}
                as {{ column.name }},
        {% endfor %}
        nullif(trim(cust_id), '') as customer_id

    from source

)

select * from renamed
