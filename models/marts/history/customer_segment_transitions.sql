-- Per customer: the segment at the latest fit run and at the run before it, and what happened
-- (transition_type stayed / moved / new / left). Customers of the previous run missing from the
-- latest one are listed with a NULL to-segment ('left'). On the first run everyone is 'new'.

with

-- only the latest run and the one before it are read, whatever the length of the history
memberships as (

    {{ latest_pair_memberships() }}

),

latest_run as (

    select max(run_sequence) as run_sequence
    from memberships

),

runs as (

    select distinct
        run_id,
        run_at,
        run_sequence

    from memberships

),

current_members as (

    select memberships.*

    from memberships
    inner join latest_run
        on memberships.run_sequence = latest_run.run_sequence

),

previous_members as (

    select memberships.*

    from memberships
    inner join latest_run
        on memberships.run_sequence = latest_run.run_sequence - 1

),

paired as (

    select
        coalesce(current_members.customer_id, previous_members.customer_id) as customer_id,
        previous_members.segment_id as from_segment_id,
        previous_members.segment_name as from_segment_name,
        current_members.segment_id as to_segment_id,
        current_members.segment_name as to_segment_name

    from current_members
    full outer join previous_members
        on current_members.customer_id = previous_members.customer_id

),

final as (

    select
        paired.customer_id,
        previous_runs.run_id as previous_run_id,
        previous_runs.run_at as previous_run_at,
        current_runs.run_id,
        current_runs.run_at,
        paired.from_segment_id,
        paired.from_segment_name,
        paired.to_segment_id,
        paired.to_segment_name,
        {{ transition_type("paired.from_segment_id", "paired.to_segment_id") }}
            as transition_type

    from paired
    cross join latest_run
    inner join runs as current_runs
        on latest_run.run_sequence = current_runs.run_sequence
    left join runs as previous_runs
        on latest_run.run_sequence - 1 = previous_runs.run_sequence

)

select * from final
