-- Per customer: the segment at the latest fit run and at the run before it, and what happened
-- (transition_type stayed / moved / new / left). Customers of the previous run missing from the
-- latest one are listed with a NULL to-segment ('left'). On the first run everyone is 'new'.

with

-- only the latest run and the one before it are read, whatever the length of the history
memberships as (

    {{ latest_pair_memberships() }}

),

-- one pass over the two runs' memberships (a per-customer CTE read twice would be held in
-- memory; docs/lean-build.md): each customer's segment at each run
paired as (

    select
        customer_id,
        {{ segment_pair_columns("is_latest_run") }}

    from memberships
    group by customer_id

),

latest_pair as (

    {{ latest_run_pair() }}

),

final as (

    select
        paired.customer_id,
        latest_pair.previous_run_id,
        latest_pair.previous_run_at,
        latest_pair.run_id,
        latest_pair.run_at,
        paired.from_segment_id,
        paired.from_segment_name,
        paired.to_segment_id,
        paired.to_segment_name,
        {{ transition_type("paired.from_segment_id", "paired.to_segment_id") }}
            as transition_type

    from paired
    cross join latest_pair

)

select * from final
