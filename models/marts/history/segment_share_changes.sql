-- How each segment's share of the customers changed since the previous fit run: one row per
-- segment present at the latest run or the run before it, with both shares and the change in
-- percentage points (current - previous) * 100. A segment that did not exist at one of the two
-- runs has share 0 there (is_new_segment / is_retired_segment). On the first run there is no
-- previous run: previous columns and the change are NULL.

with

latest_pair as (

    {{ latest_run_pair() }}

),

-- only the latest run and the one before it are read, whatever the length of the history
memberships as (

    {{ run_pair_memberships("latest_pair") }}

),

-- one pass over the two runs' memberships, into customers per run and segment
segment_counts as (

    select
        is_later_run,
        segment_id,
        segment_name,
        count(*) as n_customers

    from memberships
    group by is_later_run, segment_id, segment_name

),

current_counts as (

    select
        segment_id,
        segment_name,
        n_customers

    from segment_counts
    where is_later_run

),

previous_counts as (

    select
        segment_id,
        segment_name,
        n_customers

    from segment_counts
    where not is_later_run

),

totals as (

    select
        (select sum(n_customers) from current_counts) as n_current_customers,
        (select sum(n_customers) from previous_counts) as n_previous_customers

),

paired as (

    select
        coalesce(current_counts.segment_id, previous_counts.segment_id) as segment_id,
        coalesce(current_counts.segment_name, previous_counts.segment_name) as segment_name,
        previous_counts.n_customers as previous_n_customers,
        current_counts.n_customers as current_n_customers,
        previous_counts.segment_id is null as is_new_segment,
        current_counts.segment_id is null as is_retired_segment

    from current_counts
    full outer join previous_counts
        on current_counts.segment_id = previous_counts.segment_id

),

shares as (

    select
        paired.*,
        case
            when totals.n_previous_customers > 0
                then
                    cast(coalesce(paired.previous_n_customers, 0) as double)
                    / totals.n_previous_customers
        end as previous_share,
        cast(coalesce(paired.current_n_customers, 0) as double) / totals.n_current_customers
            as current_share

    from paired
    cross join totals

),

final as (

    select
        latest_pair.run_id,
        latest_pair.run_at,
        latest_pair.previous_run_id,
        latest_pair.previous_run_at,
        shares.segment_id,
        shares.segment_name,
        case
            when latest_pair.previous_run_id is not null
                then coalesce(shares.previous_n_customers, 0)
        end as previous_n_customers,
        coalesce(shares.current_n_customers, 0) as current_n_customers,
        shares.previous_share,
        shares.current_share,
        (shares.current_share - shares.previous_share) * 100 as share_change_pp,
        shares.is_new_segment and latest_pair.previous_run_id is not null as is_new_segment,
        shares.is_retired_segment

    from shares
    cross join latest_pair

)

select * from final
