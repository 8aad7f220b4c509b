-- Every finding of row-level validation: one row per input row, reason code and column. A row
-- is either quarantined (left out of the segmentation, `row_action` = 'quarantined') or kept with a
-- warning (`row_action` = 'kept': every finding on it is a check listed in var
-- `validation.warn_only_checks`). The reason is a sentence naming the column and the offending
-- value.
{%- set columns = cc_general_columns() %}

with

-- only the rows with a finding: the union below reads this CTE once per check, and a CTE read
-- more than once is held in memory (every input row, at 100M rows, would not fit)
checked_rows as (

    select * from {{ ref('int_customer_rows_checked') }}
    where n_issues > 0 or is_duplicate

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
        {{ quarantine_reason("reason_code", "column_name", "column_value") }} as reason,
        {{ is_blocking_issue("reason_code") }} as is_blocking,
        case
            when row_outcome = 'quarantined' then 'quarantined' else 'kept'
        end as row_action

    from findings

),

final as (

    select * from described

)

select * from final
