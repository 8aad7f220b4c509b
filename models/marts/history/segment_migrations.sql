-- The migration matrix between every pair of consecutive fit runs: how many customers went from
-- each segment (at the previous run) to each segment (at the run), and the share of the
-- from-segment that took this path. Customers only in the later run come from NULL
-- (transition_type 'new'); customers only in the earlier run go to NULL ('left').

with

memberships as (

    select * from {{ ref('customer_segment_memberships') }}

),

runs as (

    select distinct
        run_id,
        run_at,
        run_sequence

    from memberships

),

run_pairs as (

    select
        previous_runs.run_id as previous_run_id,
        previous_runs.run_at as previous_run_at,
        runs.run_id,
        runs.run_at,
        runs.run_sequence

    from runs
    inner join runs as previous_runs
        on runs.run_sequence = previous_runs.run_sequence + 1

),

before_members as (

    select
        run_pairs.run_sequence,
        memberships.customer_id,
        memberships.segment_id,
        memberships.segment_name

    from run_pairs
    inner join memberships
        on memberships.run_sequence = run_pairs.run_sequence - 1

),

after_members as (

    select
        run_sequence,
        customer_id,
        segment_id,
        segment_name

    from memberships
    where run_sequence > 1

),

paired as (

    select
        coalesce(after_members.run_sequence, before_members.run_sequence) as run_sequence,
        before_members.segment_id as from_segment_id,
        before_members.segment_name as from_segment_name,
        after_members.segment_id as to_segment_id,
        after_members.segment_name as to_segment_name

    from before_members
    full outer join after_members
        on
            before_members.run_sequence = after_members.run_sequence
            and before_members.customer_id = after_members.customer_id

),

counted as (

    select
        run_sequence,
        from_segment_id,
        from_segment_name,
        to_segment_id,
        to_segment_name,
        count(*) as n_customers

    from paired
    group by all

),

final as (

    select
        run_pairs.previous_run_id,
        run_pairs.previous_run_at,
        run_pairs.run_id,
        run_pairs.run_at,
        counted.from_segment_id,
        counted.from_segment_name,
        counted.to_segment_id,
        counted.to_segment_name,
        {{ transition_type("counted.from_segment_id", "counted.to_segment_id") }}
            as transition_type,
        counted.n_customers,
        cast(counted.n_customers as double) / sum(counted.n_customers) over (
            partition by counted.run_sequence, counted.from_segment_id
        ) as share_of_from_segment,
        cast(counted.n_customers as double) / sum(counted.n_customers) over (
            partition by counted.run_sequence
        ) as share_of_customers

    from counted
    inner join run_pairs
        on counted.run_sequence = run_pairs.run_sequence

)

select * from final
