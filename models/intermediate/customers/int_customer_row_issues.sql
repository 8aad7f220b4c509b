-- Every input row with the outcome of every row-level check (one row per file row): the one
-- pass over the input file (stg_cc_general__customers is a view on DuckDB), so each row is
-- parsed once and written once. `<column>_text` (the trimmed text) is kept only where quarantine
-- reports it. `issue__<column>`: the reason code of the check the column's value fails (NULL
-- when fine); `issue__customer_id`, `issue__purchases_sum`: the row-level checks. A finding
-- quarantines the row unless its reason code is listed in var `validation.warn_only_checks`.
-- Duplicate ids are resolved after this table is written (int_repeated_customer_ids reads three
-- of its columns; int_customer_rows_checked adds the outcome): checking them here would read
-- these rows twice in one query, and DuckDB then keeps the whole parsed input in memory or its
-- temp directory (41 GB of temp files at 100M rows; docs/lean-build.md, "One read").
{%- set columns = cc_general_columns() | map(attribute="name") | list %}
{%- set tolerance = setting("validation", "purchases_tolerance") | float %}
{%- set purchase_columns = ["purchases", "oneoff_purchases", "installments_purchases"] %}

with

customers as (

    select * from {{ ref('stg_cc_general__customers') }}

),

column_checks as (

    select
        {% for column in columns -%}
            {{ column_issue_code(column, "customers.") }} as issue__{{ column }},
        {% endfor %}
        customers.*

    from customers

),

row_checks as (

    select
        case
            when column_checks.customer_id is null then 'missing_customer_id'
        end as issue__customer_id,
        case
            when
                column_checks.issue__purchases is null
                and column_checks.issue__oneoff_purchases is null
                and column_checks.issue__installments_purchases is null
                and abs(
                    column_checks.purchases
                    - column_checks.oneoff_purchases
                    - column_checks.installments_purchases
                ) > {{ tolerance }}
                then 'purchases_mismatch'
        end as issue__purchases_sum,
        column_checks.*

    from column_checks

),

reported as (

    -- The text only where quarantine reports it: a finding on the value (or, for the three
    -- purchase columns, on their sum); NULL elsewhere costs next to nothing to store. The
    -- file's text of the other values is dropped here, before the table is written.
    select
        source_row_number,
        customer_id,
        {% for column in columns -%}
            {{ column }},
        {% endfor %}
        {% for column in columns -%}
            {%- set reported_when = "issue__" ~ column ~ " is not null" -%}
            {%- if column in purchase_columns -%}
                {%- set reported_when = reported_when ~ " or issue__purchases_sum is not null" -%}
            {%- endif -%}
            case
                when {{ reported_when }} then nullif(trim({{ column }}_text), '')
            end as {{ column }}_text,
        {% endfor %}
        {% for column in columns -%}
            issue__{{ column }},
        {% endfor %}
        issue__customer_id,
        issue__purchases_sum

    from row_checks

),

counted as (

    select
        {% for column in columns + ["customer_id", "purchases_sum"] -%}
            case when {{ is_blocking_issue("reported.issue__" ~ column) }} then 1 else 0 end
            {{ "+" if not loop.last }}
        {% endfor %} as n_blocking_issues,
        {% for column in columns + ["customer_id", "purchases_sum"] -%}
            case when reported.issue__{{ column }} is not null then 1 else 0 end
            {{ "+" if not loop.last }}
        {% endfor %} as n_issues,
        reported.*

    from reported

),

final as (

    select * from counted

)

select * from final
