-- Every finding of row-level validation: one row per input row, reason code and column. A row
-- is either quarantined (left out of the segmentation, `action` = 'quarantined') or kept with a
-- warning (`action` = 'kept': every finding on it is a check listed in var
-- `warn_only_checks`). The reason is a sentence naming the column and the offending value.
{%- set columns = cc_general_columns() %}
{%- set tolerance = var("purchases_tolerance") | float %}

with

checked_rows as (

    select * from {{ ref('int_customer_rows_checked') }}

),

findings as (

    {% for column in columns -%}
        select
            source_row_number,
            customer_id,
            issue__{{ column.name }} as reason_code,
            '{{ column.source }}' as column_name,
            {{ column.name }}_text as column_value,
            row_outcome

        from checked_rows
        where issue__{{ column.name }} is not null

        union all

    {% endfor -%}
    select
        source_row_number,
        customer_id,
        issue__customer_id as reason_code,
        'CUST_ID' as column_name,
        cast(null as string) as column_value,
        row_outcome

    from checked_rows
    where issue__customer_id is not null

    union all

    select
        source_row_number,
        customer_id,
        issue__purchases_sum as reason_code,
        'PURCHASES' as column_name,
        concat(
            purchases_text, ' <> ', oneoff_purchases_text, ' + ', installments_purchases_text
        ) as column_value,
        row_outcome

    from checked_rows
    where issue__purchases_sum is not null

    union all

    select
        source_row_number,
        customer_id,
        'duplicate_customer_id' as reason_code,
        'CUST_ID' as column_name,
        concat(customer_id, ' (kept: row ', cast(kept_source_row_number as string), ')')
            as column_value,
        row_outcome

    from checked_rows
    where is_duplicate

),

described as (

    select
        source_row_number,
        customer_id,
        reason_code,
        column_name,
        column_value,
        case reason_code
            when 'missing_customer_id' then 'CUST_ID is empty'
            when 'duplicate_customer_id' then concat(
                'CUST_ID ', customer_id, ' already appears in an earlier valid row; the first '
                || 'valid row in file order is kept'
            )
            when 'non_numeric_value' then concat(column_name, ' is not a number: ', column_value)
            when 'non_finite_value' then concat(
                column_name, ' is not a finite number: ', column_value
            )
            when 'negative_amount' then concat(
                column_name, ' is a money amount and cannot be negative: ', column_value
            )
            when 'negative_count' then concat(
                column_name, ' is a transaction count and cannot be negative: ', column_value
            )
            when 'frequency_out_of_range' then concat(
                column_name, ' is a share of months and must be between 0 and 1: ', column_value
            )
            when 'purchases_mismatch' then concat(
                'PURCHASES differs from ONEOFF_PURCHASES + INSTALLMENTS_PURCHASES by more than ',
                '{{ tolerance }}', ': ', column_value
            )
            when 'tenure_out_of_range' then concat(
                'TENURE must be a whole number of months from 1 to 12: ', column_value
            )
        end as reason,
        {{ is_blocking_issue("reason_code") }} as is_blocking,
        case
            when row_outcome = 'quarantined' then 'quarantined' else 'kept'
        end as action

    from findings

),

final as (

    select * from described

)

select * from final
