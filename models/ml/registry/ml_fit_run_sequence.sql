-- The pairing every history mart uses, computed once: each registered fit run numbered in time
-- order, with the run before it. The history marts read only the runs they have not written
-- yet (memberships, migrations, audience changes) or the latest pair (transitions, shares).
-- Challenger runs (a fit that promoted nothing: lifecycle.promotion manual) are never
-- published, so they are no step of the history.

with

registry as (

    select * from {{ ref('ml_model_registry') }}

),

numbered as (

    select
        run_id,
        run_at,
        row_number() over (order by run_at asc) as run_sequence

    from registry
    where not (coalesce(run_kind, 'fit') = 'fit' and not coalesce(is_promotion, true))

),

final as (

    select
        numbered.run_id,
        numbered.run_at,
        numbered.run_sequence,
        previous_runs.run_id as previous_run_id,
        previous_runs.run_at as previous_run_at,
        numbered.run_sequence = max(numbered.run_sequence) over () as is_latest_run

    from numbered
    left join numbered as previous_runs
        on numbered.run_sequence = previous_runs.run_sequence + 1

)

select * from final
