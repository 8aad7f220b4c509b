-- This run's row counts in one row: rows read from the input file, segmented (every clean row
-- is scored), quarantined (with the number of rows per reason code) and kept with warnings.
-- Every build prints the same numbers as its last line (macros/run/print_row_summary.sql).
{%- set source = input_source() %}

with

checked_rows as (

    select * from {{ ref('int_customer_rows_checked') }}

),

quarantine as (

    select * from {{ ref('quarantine') }}

),

row_counts as (

    select
        count(*) as rows_read,
        sum(case when row_outcome = 'clean' then 1 else 0 end) as rows_segmented,
        sum(case when row_outcome = 'quarantined' then 1 else 0 end) as rows_quarantined,
        sum(
            case when row_outcome = 'clean' and n_issues > 0 then 1 else 0 end
        ) as rows_kept_with_warnings

    from checked_rows

),

reason_counts as (

    select
        reason_code,
        count(distinct source_row_number) as n_rows

    from quarantine
    where row_action = 'quarantined'
    group by reason_code

),

ranked_reasons as (

    select
        reason_code,
        n_rows,
        row_number() over (order by n_rows desc, reason_code asc) as reason_rank

    from reason_counts

),

reasons as (

    select
        substring(
            {{ string_agg_ordered(
                "concat(', ', reason_code, ': ', cast(n_rows as string))", "reason_rank"
            ) }},
            3
        ) as quarantine_reasons

    from ranked_reasons

),

final as (

    select
        '{{ segmentation_run_id() }}' as run_id,
        {{ segmentation_run_at() }} as run_at,
        '{{ source.path | replace("'", "''") }}' as input_path,
        '{{ source.var }}' as input_var,
        cast(coalesce(row_counts.rows_read, 0) as bigint) as rows_read,
        cast(coalesce(row_counts.rows_segmented, 0) as bigint) as rows_segmented,
        cast(coalesce(row_counts.rows_quarantined, 0) as bigint) as rows_quarantined,
        cast(coalesce(row_counts.rows_kept_with_warnings, 0) as bigint) as rows_kept_with_warnings,
        coalesce(reasons.quarantine_reasons, '') as quarantine_reasons

    from row_counts
    cross join reasons

)

select * from final
