-- Per customer: the segment at the latest fit run and at the run before it, and what happened
-- (transition_type stayed / moved / new / left). Customers of the previous run missing from the
-- latest one are listed with a NULL to-segment ('left'). On the first run everyone is 'new'.

with

latest_pair as (

    {{ latest_run_pair() }}

),

-- one read of the two runs' memberships, paired per customer
memberships as (

    {{ run_pair_memberships("latest_pair") }}

),

paired as (

    select
        customer_id,
        {{ segment_pair_columns("is_later_run") }}

    from memberships
    group by customer_id

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
