-- Every customer's segment at every fit run: the version of customer_segment_history (snapshot)
-- that was valid at the run's time. A customer not in a run's input has no row for that run.
-- Runs are numbered in time order (run_sequence) so consecutive runs can be paired.

with

runs as (

    select * from {{ ref('ml_model_registry') }}

),

segment_history as (

    select * from {{ ref('customer_segment_history') }}

),

numbered_runs as (

    select
        run_id,
        run_at,
        row_number() over (order by run_at asc) as run_sequence

    from runs

),

memberships as (

    select
        numbered_runs.run_id,
        numbered_runs.run_at,
        numbered_runs.run_sequence,
        segment_history.customer_id,
        segment_history.segment_id,
        segment_history.segment_name

    from numbered_runs
    inner join segment_history
        on
            numbered_runs.run_at >= segment_history.dbt_valid_from
            and (
                segment_history.dbt_valid_to is null
                or numbered_runs.run_at < segment_history.dbt_valid_to
            )

),

final as (

    select * from memberships

)

select * from final
