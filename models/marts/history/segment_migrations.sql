-- The migration matrix between every pair of consecutive fit runs: how many customers went from
-- each segment (at the previous run) to each segment (at the run), and the share of the
-- from-segment that took this path. Customers only in the later run come from NULL
-- (transition_type 'new'); customers only in the earlier run go to NULL ('left').
-- Incremental (DuckDB): only pairs of consecutive runs not written yet are read.

with

run_sequence as (

    select * from {{ ref('ml_fit_run_sequence') }}

),

run_pairs as (

    select
        run_sequence,
        previous_run_id,
        previous_run_at,
        run_id,
        run_at

    from run_sequence
    where
        previous_run_id is not null
    {% if is_incremental() %}
        and not exists (
            select 1
            from {{ this }} as written
            where
                written.run_id = run_sequence.run_id
                and written.previous_run_id = run_sequence.previous_run_id
        )
    {% endif %}

),

-- each customer of each pair once, with the segment at each run of the pair
paired as (

    {{ paired_run_memberships("run_pairs") }}

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
        ) as share_of_customers,
        {{ segmentation_written_at() }} as written_at

    from counted
    inner join run_pairs
        on counted.run_sequence = run_pairs.run_sequence

)

select * from final
