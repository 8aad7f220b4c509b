-- Audiences for campaign tools: per fit run, segment and customer, whether the customer
-- entered the segment's audience since the previous run, exited it, or stayed. A customer who
-- moved from A to B exited A and entered B (two rows); a new customer entered; a customer who
-- left the input exited. Per run and segment, entered + exited = the symmetric difference of
-- the segment's memberships at the two runs. On the first run every customer entered.

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

current_members as (

    select
        run_sequence,
        customer_id,
        segment_id,
        segment_name

    from memberships

),

previous_members as (

    select
        run_sequence + 1 as run_sequence,
        customer_id,
        segment_id,
        segment_name

    from memberships

),

paired as (

    select
        coalesce(current_members.run_sequence, previous_members.run_sequence)
            as run_sequence,
        coalesce(current_members.segment_id, previous_members.segment_id) as segment_id,
        coalesce(current_members.segment_name, previous_members.segment_name) as segment_name,
        coalesce(current_members.customer_id, previous_members.customer_id) as customer_id,
        case
            when previous_members.customer_id is null then 'entered'
            when current_members.customer_id is null then 'exited'
            else 'stayed'
        end as audience_change

    from current_members
    full outer join previous_members
        on
            current_members.run_sequence = previous_members.run_sequence
            and current_members.segment_id = previous_members.segment_id
            and current_members.customer_id = previous_members.customer_id

),

final as (

    select
        runs.run_id,
        runs.run_at,
        previous_runs.run_id as previous_run_id,
        previous_runs.run_at as previous_run_at,
        paired.segment_id,
        paired.segment_name,
        paired.customer_id,
        paired.audience_change

    from paired
    inner join runs
        on paired.run_sequence = runs.run_sequence
    left join runs as previous_runs
        on paired.run_sequence = previous_runs.run_sequence + 1

)

select * from final
