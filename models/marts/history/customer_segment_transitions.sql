-- Per customer: the segment at the latest fit run and at the run before it, and what happened
-- (transition_type stayed / moved / new / left). Customers of the previous run missing from the
-- latest one are listed with a NULL to-segment ('left'). On the first run everyone is 'new'.

with

latest_pair as (

    {{ latest_run_pair() }}

),

-- each customer of the two runs once, with the segment at each
paired as (

    {{ paired_run_memberships("latest_pair") }}

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
